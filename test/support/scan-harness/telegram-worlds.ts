import { afterAll, afterEach, beforeAll } from 'vitest';
import type { DriverUnderTest } from '../databases.js';
import { TelegramStandIn } from '../telegram-stand-in.js';
import { openScanWorld, type ScanWorld, type ScanWorldOptions } from './world.js';

export interface TelegramWorlds {
  /** The Bot API stand-in shared by every test of the describe block. */
  readonly standIn: TelegramStandIn;
  /** Opens a world that is closed again after the test. */
  open(driver: DriverUnderTest, options?: ScanWorldOptions): Promise<ScanWorld>;
}

/**
 * The set-up most scan and alert suites share; call it inside `describe`: one Telegram stand-in
 * for the block, and every world a test opens closed after that test.
 */
export function telegramWorlds(): TelegramWorlds {
  let standIn: TelegramStandIn | undefined;
  const opened: ScanWorld[] = [];
  beforeAll(async () => {
    standIn = await TelegramStandIn.start();
  });
  afterAll(async () => {
    await standIn?.close();
  });
  afterEach(async () => {
    for (const world of opened.splice(0)) await world.close();
  });
  return {
    get standIn() {
      if (!standIn) throw new Error('the Telegram stand-in starts in beforeAll');
      return standIn;
    },
    async open(driver, options) {
      const world = await openScanWorld(driver, options);
      opened.push(world);
      return world;
    },
  };
}
