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

/** A recipe's name where AAC puts it: `name`, else `recipe.name` (contract unknown recipeName). */
export function recipeNameOf(recipe: IDataObject | undefined): string | null {
	const name = recipe?.name ?? objectOf(recipe?.recipe)?.name;
	return typeof name === 'string' && name ? name : null;
}
