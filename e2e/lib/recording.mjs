// node:test's test() that also records how each test went, for the RESULTS.md files the e2e
// suites write.
import { test } from 'node:test';

/**
 * `check(title, options, body)` is node:test's test() that also pushes { title, passed, why } to
 * `outcomes` (why: the first line of the error); the error still fails the test.
 */
export function recordingTest() {
	const outcomes = [];
	const check = (title, options, body) =>
		test(title, options, async (t) => {
			try {
				await body(t);
				outcomes.push({ title, passed: true });
			} catch (error) {
				outcomes.push({
					title,
					passed: false,
					why: String(error?.message ?? error).split('\n')[0],
				});
				throw error;
			}
		});
	return { check, outcomes };
}

/** "- FAILED: title: why" for each failed outcome. */
export function failedLines(outcomes) {
	return outcomes
		.filter((outcome) => !outcome.passed)
		.map((outcome) => `- FAILED: ${outcome.title}: ${outcome.why}`);
}
