// solidity-coverage settings: mocks are test-only and excluded from the thresholds.
module.exports = {
  skipFiles: ["mocks/"],
  istanbulReporter: ["html", "lcov", "text-summary", "json-summary"],
  // the SQUAD schedule tests read hundreds of slots through instrumented code: over 4 minutes each under coverage
  mocha: { timeout: 900000, parallel: false },
};
