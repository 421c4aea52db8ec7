// The e2e suite (e2e/lib/suite.mjs) on real n8n 2.41.1. Run: npm run test:e2e
import { defineSuite } from './lib/suite.mjs';

defineSuite('2.41.1');
