'use strict';
// The generous project (jest.config.js): the stand-ins these tests start answer as the generous
// world (standin/worlds.mjs) unless a test names a world itself.
process.env.AAC_STANDIN_WORLD = 'generous';
