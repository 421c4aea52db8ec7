import type { IDataObject } from 'n8n-workflow';

/** An id field of an answer as a string (undefined when absent). */
export function idOf(value: unknown): string | undefined {
	if (typeof value === 'number' && Number.isFinite(value)) return String(value);
	if (typeof value === 'string' && value.trim()) return value.trim();
	return undefined;
}

/** A plain object, or undefined. */
export const objectOf = (value: unknown): IDataObject | undefined =>
	value && typeof value === 'object' && !Array.isArray(value) ? (value as IDataObject) : undefined;
