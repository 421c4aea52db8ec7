export * from '../../standin/aac-standin.mjs'; // moved to standin/ (shared by jest, e2e, demo, bench); this path keeps old imports working
