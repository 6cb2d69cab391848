// The SDK side of the rules benchmark: the same 10-condition audience
// (rules_audience.json) over the same generated property rows as
// rules_bench.sh builds in SQL, evaluated by the SDK's own RuleManager.
// Prints the number of matches and the evaluation time.
import { readFileSync } from 'node:fs';
import { createSdk, emptyConfig } from '../compat/lib/sdk.mjs';

const ROWS = Number(process.argv[2] || 1000000);
const audience = JSON.parse(readFileSync(new URL('./rules_audience.json', import.meta.url)));
const ruleManager = createSdk(emptyConfig())._dataManager._ruleManager;

// Row i, exactly as the SQL generator in rules_bench.sh writes it.
function row(i) {
  const p = {
    country: ['US', 'DE', 'FR', 'GB', 'us'][i % 5],
    browser: ['chrome', 'Firefox', 'Safari'][i % 3],
    visits: i % 50,
    url: `https://convert.com/p/${i % 1000}${i % 11 === 0 ? '/checkout' : ''}`,
    vip: i % 7 === 0,
    age: String(i % 80),
    lang: ['en', 'de-at', 'fr', 'EN-us'][i % 4],
    price: (i % 1000) / 10,
    campaign: ['spring', 'summer', 'Big Spring'][i % 3],
  };
  if (i % 13 === 0) p.device = 'mobile';
  return p;
}

const rows = Array.from({ length: ROWS }, (_, i) => row(i + 1));
const start = process.hrtime.bigint();
let matched = 0;
for (const p of rows) if (ruleManager.isRuleMatched(p, audience) === true) matched++;
const ms = Number(process.hrtime.bigint() - start) / 1e6;
console.log(JSON.stringify({ rows: ROWS, matched, ms }));
