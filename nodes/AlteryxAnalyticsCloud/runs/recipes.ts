import type { IDataObject } from 'n8n-workflow';

import type { AacNodeContext } from '../helpers/credentialWriter';
import { isNotVisible, toNodeError } from '../helpers/errors';
import { idOf, objectOf, recipeNameOf } from '../helpers/values';
import { aacApiRequest } from '../transport/aacApi';

/*
 * Which flow a job belongs to, and its recipe's name. A job-library row as AAC's spec describes it
 * names its recipe (wrangledDataset { id }) but not the flow, and /v4/jobLibrary takes no `embed`
 * (contract unknown jobRowFlow). So: what the row says when it says it (a flat flowId, or
 * wrangledDataset.flow, as live tenants were seen to answer); else the recipe, read once
 * (GET /v4/wrangledDatasets/{id}: flow is required in its model) and remembered in the trigger's
 * static data. Only rows that need it are looked up.
 */

/** recipe id → [flow id, recipe name] (null: AAC did not say, or would not show the recipe). */
export type RecipeMemory = Record<string, [string | null, string | null]>;

/** Recipes remembered at most (beyond it, the lowest ids are forgotten first). */
const MAX_RECIPES = 500;

export interface RecipeOfJob {
	recipeId: string | null;
	flowId: string | null;
	recipeName: string | null;
}

/** What the row itself says. */
function fromRow(row: IDataObject): RecipeOfJob {
	const recipe = objectOf(row.wrangledDataset);
	return {
		recipeId: idOf(recipe?.id) ?? null,
		flowId: idOf(row.flowId) ?? idOf(objectOf(recipe?.flow)?.id) ?? null,
		recipeName: recipeNameOf(recipe),
	};
}

/** The recipe and flow of a job row; one GET per recipe not seen before when the row is silent. */
export async function recipeOfJob(
	context: AacNodeContext,
	row: IDataObject,
	memory: RecipeMemory,
): Promise<RecipeOfJob> {
	const said = fromRow(row);
	if (said.recipeId === null || (said.flowId !== null && said.recipeName !== null)) return said;
	const remembered = memory[said.recipeId];
	if (remembered)
		return { recipeId: said.recipeId, flowId: remembered[0], recipeName: remembered[1] };
	let flowId: string | null = null;
	let recipeName: string | null = null;
	try {
		const recipe = objectOf(
			(
				await aacApiRequest.call(context, {
					method: 'GET',
					path: `/v4/wrangledDatasets/${said.recipeId}`,
					retry: 'read',
				})
			).body,
		);
		flowId = idOf(objectOf(recipe?.flow)?.id) ?? null;
		recipeName = recipeNameOf(recipe);
	} catch (error) {
		// Another user's recipe (403) or a deleted one (404, 410): unknown, and that is all.
		if (!isNotVisible(error)) throw toNodeError(context.getNode(), error);
	}
	memory[said.recipeId] = [said.flowId ?? flowId, said.recipeName ?? recipeName];
	const ids = Object.keys(memory);
	for (const id of ids.slice(0, Math.max(0, ids.length - MAX_RECIPES))) delete memory[id];
	return {
		recipeId: said.recipeId,
		flowId: said.flowId ?? flowId,
		recipeName: said.recipeName ?? recipeName,
	};
}
