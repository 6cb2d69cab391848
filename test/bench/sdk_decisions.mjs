// Reads "visitor_id<TAB>properties-json" lines on stdin and runs the
// official SDK's runExperience for each visitor (data mode, tracking off,
// enableTracking false so no event queue grows), in batches so memory
// stays bounded.  Only the runExperience calls are timed; prints the
// milliseconds on stdout and a checksum on stderr.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { createSdk } from '../compat/lib/sdk.mjs';

const [configPath, experienceKey] = process.argv.slice(2);
const sdk = createSdk(JSON.parse(readFileSync(configPath, 'utf8')));
const BATCH = 100000;
let ms = 0;
let decided = 0;
let allocationSum = 0;
const perVariation = {};
let ids = [];
let props = [];

function run() {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < ids.length; i++) {
    const r = sdk.createContext(ids[i]).runExperience(experienceKey, {
      visitorProperties: props[i], locationProperties: {}, enableTracking: false,
    });
    if (r && typeof r === 'object') {
      decided++;
      allocationSum += r.bucketingAllocation;
      perVariation[r.id] = (perVariation[r.id] || 0) + 1;
    }
  }
  ms += Number(process.hrtime.bigint() - t0) / 1e6;
  ids = [];
  props = [];
}

for await (const line of createInterface({ input: process.stdin })) {
  const tab = line.indexOf('\t');
  ids.push(line.slice(0, tab));
  props.push(JSON.parse(line.slice(tab + 1)));
  if (ids.length === BATCH) run();
}
run();
process.stderr.write(`sdk: decided ${decided}, allocation sum ${allocationSum}, ` +
  `per variation ${JSON.stringify(perVariation)}\n`);
console.log(ms.toFixed(1));
