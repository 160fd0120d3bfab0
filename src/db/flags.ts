/** Booleans are stored as 0/1 on every driver. */
export const toFlag = (value: boolean): number => (value ? 1 : 0);
export const fromFlag = (value: number | boolean | string): boolean => value === true || value === 1 || value === '1';
