/** The Elasticsearch checkpoint cursor: log time up to which every log has been read. */
export interface WatermarkCursor {
  watermark: number;
}

export function formatCursor(watermark: number): string {
  return JSON.stringify({ watermark } satisfies WatermarkCursor);
}

/** The watermark of a stored cursor; undefined for none. Throws on a cursor of another kind. */
export function parseCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(cursor);
  } catch {
    parsed = undefined;
  }
  const watermark = (parsed as Partial<WatermarkCursor> | undefined)?.watermark;
  if (typeof watermark !== 'number' || !Number.isFinite(watermark)) {
    throw new Error(`checkpoint cursor ${JSON.stringify(cursor.slice(0, 80))} is not an Elasticsearch watermark`);
  }
  return watermark;
}
