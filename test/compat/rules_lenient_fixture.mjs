// Writes test/fixtures/rules-lenient-cases.json: malformed rule trees (the
// shapes the SDK evaluates without complaint) with the SDK's answers, for
// the core unit test of CV_RULES_LENIENT (test/core/test_rules_lenient.c).
// Cases where the SDK throws (e.g. a null element) are left out.
//
//   node test/compat/rules_lenient_fixture.mjs > test/fixtures/rules-lenient-cases.json
import { rng } from './lib/random.mjs';
import { createSdk, emptyConfig } from './lib/sdk.mjs';

const r = rng(20261130);
const ruleManager = createSdk(emptyConfig())._dataManager._ruleManager;
const MATCH = ['equals', 'contains', 'less', 'isIn', 'regexMatches', 'exists', 'doesNotExist',
  'not_exists', 'greater', 'Equals', ''];
const VALUES = ['1', 1, 'x', '(', 'A|b', '1|a', null, [1, 'a'], { a: 1 }, '', 'a', 'A'];
const JUNK = [5, 'x', [], {}, true, [1], { AND: 5 }, { OR_WHEN: [] }];

function element() {
  // Mostly well-formed, with one or two things wrong now and then.
  const odd = () => r.int(0, 7) === 0;
  const e = { rule_type: odd() ? r.pick([7, 'whatever', null]) : 'generic_key_value' };
  if (!odd()) e.key = odd() ? r.pick([5, null, ['a'], 'b']) : 'a';
  if (!odd()) e.value = r.pick(VALUES);
  const m = {};
  if (!odd()) m.match_type = odd() ? r.pick(['greater', 'Equals', '', 5]) : r.pick(MATCH.slice(0, 8));
  if (!odd()) m.negated = odd() ? r.pick(['false', 0, null]) : r.pick([true, false, false]);
  if (!odd()) e.matching = odd() ? r.pick([[], 'equals', 5]) : m;
  if (odd()) e.extra = 1;
  return r.int(0, 15) === 0 ? r.pick(JUNK) : e;
}

const block = (name, make) => (r.int(0, 15) === 0 ? r.pick(JUNK)
  : { [name]: r.int(0, 15) === 0 ? r.pick(JUNK) : Array.from({ length: r.int(0, 3) }, make) });

function tree() {
  if (r.int(0, 1) === 0) return { OR: [{ AND: [{ OR_WHEN: [element()] }] }] };
  if (r.int(0, 20) === 0) return r.pick([{}, [], { OR: 5 }, { or: [] }]);
  return block('OR', () => block('AND', () => block('OR_WHEN', element)));
}

const cases = [];
while (cases.length < 2000) {
  const t = tree();
  const props = r.int(0, 2) ? { a: r.pick(VALUES) } : r.pick([{ a: 1 }, { a: '1', b: 'x' }, { a: 'A' }, { a: 'a' }, { b: '(' }, {},
    { a: null }, { a: [1, 'a'] }, { a: '' }, { a: 'x', b: 1 }, { name: 'RuleData', a: 1 }]);
  let result;
  try {
    result = ruleManager.isRuleMatched(JSON.parse(JSON.stringify(props)), JSON.parse(JSON.stringify(t)));
  } catch {
    continue;                                  // the SDK throws: no answer to compare with
  }
  if (result !== true && result !== false) continue;
  cases.push([JSON.stringify(t), JSON.stringify(props), result ? 1 : 0]);
}
process.stdout.write('[\n' + cases.map((c) => JSON.stringify(c)).join(',\n') + '\n]\n');
