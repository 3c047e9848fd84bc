// Checks that @huggingface/tokenizers encodes and decodes like tools/modelkit/tokenizer.py.
// Usage: node tools/modelkit/check_tokenizer.mjs <tokenizer.json> <cases.json>
// cases.json: [{ "text": str, "ids": number[], "decoded": str }]
import { readFileSync } from 'node:fs';
import { Tokenizer } from '@huggingface/tokenizers';

const [tokPath, casesPath] = process.argv.slice(2);
const tokenizer = new Tokenizer(JSON.parse(readFileSync(tokPath, 'utf8')), {});
const cases = JSON.parse(readFileSync(casesPath, 'utf8'));
let bad = 0;
for (const { text, ids, decoded } of cases) {
  const got = tokenizer.encode(text, { add_special_tokens: false }).ids;
  const back = tokenizer.decode(ids, { skip_special_tokens: true });
  if (got.join(',') !== ids.join(',') || back !== decoded) {
    if (bad < 10) console.error(JSON.stringify({ text, ids, got, decoded, back }));
    bad++;
  }
}
console.log(`${cases.length - bad}/${cases.length} tokenizer cases agree`);
process.exit(bad ? 1 : 0);
