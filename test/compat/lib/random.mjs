// Deterministic pseudo-random generation of test inputs: the same seed
// gives the same cases on every machine, so a mismatch can be replayed.

// Mulberry32: small, fast, and good enough to spread test cases.
export function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo, hi) => lo + Math.floor(next() * (hi - lo + 1));
  const pick = (list) => list[int(0, list.length - 1)];
  return { next, int, pick };
}

const ALPHABETS = {
  ascii: 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.@:/+ ',
  digits: '0123456789',
  accented: 'àáâãäåæçèéêëìíîïñòóôõöøùúûüýÿÀÉÎÕÜßŒœŠšŽžĳ',
  combining: 'e\u0301a\u0308o\u0302\u0327',
  cjk: '日本語ユーザー中文字测试한국어사용자漢字かなカナ',
  emoji: ['😀', '👩‍💻', '🇫🇷', '👍🏽', '🧪', '❤️', '𝔘𝔫𝔦'],
  other: 'ΩΣσςДжЯعربيहिन्दीไทยעברית',
};

function chars(r, alphabet, n) {
  const list = Array.isArray(alphabet) ? alphabet : Array.from(alphabet);
  let s = '';
  for (let i = 0; i < n; i++) s += r.pick(list);
  return s;
}

// An id of one of the kinds real visitor and experience ids come in, plus
// the edge cases (empty, very long, non-ASCII of every width).
export function randomId(r) {
  const kind = r.int(0, 11);
  switch (kind) {
    case 0: return '';
    case 1: return chars(r, ALPHABETS.digits, r.int(1, 12));
    case 2: return chars(r, ALPHABETS.ascii, r.int(1000, 5000));
    case 3: return chars(r, ALPHABETS.accented, r.int(1, 20));
    case 4: return chars(r, ALPHABETS.combining, r.int(1, 10));
    case 5: return chars(r, ALPHABETS.cjk, r.int(1, 15));
    case 6: return chars(r, ALPHABETS.emoji, r.int(1, 8));
    case 7: return chars(r, ALPHABETS.other, r.int(1, 15));
    case 8: return 'visitor-' + chars(r, ALPHABETS.accented + ALPHABETS.cjk, r.int(0, 5)) + r.int(0, 1e6);
    case 9: return uuidFrom(r);
    default: return chars(r, ALPHABETS.ascii, r.int(1, 40));
  }
}

function uuidFrom(r) {
  const hex = () => r.int(0, 15).toString(16);
  let s = '';
  for (let i = 0; i < 32; i++) s += hex();
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}
