// Reads "visitor_id<TAB>experience_id" lines on stdin, computes each bucket
// value with the official SDK's BucketingManager, and prints the time the
// computation took in milliseconds (reading the input is not timed).
import { createInterface } from 'node:readline';
import { createSdk, emptyConfig } from '../compat/lib/sdk.mjs';

const bucketing = createSdk(emptyConfig())._dataManager._bucketingManager;
const visitors = [];
const experiences = [];
for await (const line of createInterface({ input: process.stdin })) {
  const tab = line.indexOf('\t');
  visitors.push(line.slice(0, tab));
  experiences.push(line.slice(tab + 1));
}

let checksum = 0;
const t0 = process.hrtime.bigint();
for (let i = 0; i < visitors.length; i++) {
  checksum += bucketing.getValueVisitorBased(visitors[i], { experienceId: experiences[i] });
}
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
process.stderr.write(`sdk: ${visitors.length} values, checksum ${checksum}\n`);
console.log(ms.toFixed(1));
