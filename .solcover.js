// solidity-coverage settings: mocks are test-only and excluded from the thresholds.
module.exports = {
  skipFiles: ["mocks/"],
  istanbulReporter: ["html", "lcov", "text-summary", "json-summary"],
  mocha: { timeout: 300000, parallel: false },
};
