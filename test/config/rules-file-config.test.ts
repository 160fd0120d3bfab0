import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load.js';

const load = (env: Record<string, string>) => loadConfig(env, undefined);

describe('RULES_FILE and RULES_FILE_PRUNE', () => {
  it('are off by default', () => {
    expect(load({}).rulesFile).toBeUndefined();
  });

  it('name the file and whether each apply prunes (default no)', () => {
    expect(load({ RULES_FILE: 'rules/prod.yaml' }).rulesFile).toEqual({ path: 'rules/prod.yaml', prune: false });
    expect(load({ RULES_FILE: ' rules.yaml ', RULES_FILE_PRUNE: 'true' }).rulesFile).toEqual({
      path: 'rules.yaml',
      prune: true,
    });
  });

  it('refuse a prune without a file, and a prune that is not true or false', () => {
    expect(() => load({ RULES_FILE_PRUNE: 'true' })).toThrow(/RULES_FILE_PRUNE: needs RULES_FILE/);
    try {
      load({ RULES_FILE: 'r.yaml', RULES_FILE_PRUNE: 'yes' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems.join('\n')).toContain('RULES_FILE_PRUNE');
    }
  });
});
