import { describe, expect, it } from 'vitest';
import { commandAction } from '../../../src/service/kv-commands.js';
import { OP_DEL, OP_EXISTS, OP_GET, OP_INCR, OP_SET } from '../../../src/guest/workloads/kv-device.js';

const run = (...words: string[]) => {
  const a = commandAction(words.map((w) => Buffer.from(w, 'latin1')));
  return a.kind === 'local'
    ? { local: a.reply.toString('latin1'), close: a.close }
    : { guest: a.requests.map((r) => [r.op, r.key.toString('latin1'), r.value?.toString('latin1') ?? null]), sum: a.sum };
};

describe('kvserver command table (Redis wording)', () => {
  const cases: [string[], ReturnType<typeof run>][] = [
    [['PING'], { local: '+PONG\r\n', close: false }],
    [['ping', 'hi'], { local: '$2\r\nhi\r\n', close: false }],
    [['PING', 'a', 'b'], { local: "-ERR wrong number of arguments for 'ping' command\r\n", close: false }],
    [['QUIT'], { local: '+OK\r\n', close: true }],
    [['ECHO', 'x y'], { local: '$3\r\nx y\r\n', close: false }],
    [['ECHO'], { local: "-ERR wrong number of arguments for 'echo' command\r\n", close: false }],
    [['GET', 'k'], { guest: [[OP_GET, 'k', null]], sum: false }],
    [['get'], { local: "-ERR wrong number of arguments for 'get' command\r\n", close: false }],
    [['GET', 'a', 'b'], { local: "-ERR wrong number of arguments for 'get' command\r\n", close: false }],
    [['SET', 'k', 'v'], { guest: [[OP_SET, 'k', 'v']], sum: false }],
    [['SET', 'k'], { local: "-ERR wrong number of arguments for 'set' command\r\n", close: false }],
    [['SET', 'k', 'v', 'EX', '10'], { local: '-ERR syntax error\r\n', close: false }],
    [['SET', 'k'.repeat(65), 'v'], { local: '-ERR key exceeds maximum allowed size (64 bytes)\r\n', close: false }],
    [['SET', 'k', 'v'.repeat(177)], { local: '-ERR string exceeds maximum allowed size (176 bytes)\r\n', close: false }],
    [['DEL', 'a', 'b'], { guest: [[OP_DEL, 'a', null], [OP_DEL, 'b', null]], sum: true }],
    [['DEL'], { local: "-ERR wrong number of arguments for 'del' command\r\n", close: false }],
    [['EXISTS', 'a'], { guest: [[OP_EXISTS, 'a', null]], sum: true }],
    [['EXISTS', 'a', 'k'.repeat(65)], { local: '-ERR key exceeds maximum allowed size (64 bytes)\r\n', close: false }],
    [['INCR', 'n'], { guest: [[OP_INCR, 'n', null]], sum: false }],
    [['INCR', 'n', '2'], { local: "-ERR wrong number of arguments for 'incr' command\r\n", close: false }],
    [['FLUSHALL'], { local: "-ERR unknown command 'FLUSHALL', with args beginning with: \r\n", close: false }],
    [['CONFIG', 'GET', 'save'], { local: "-ERR unknown command 'CONFIG', with args beginning with: 'GET' 'save' \r\n", close: false }],
    [['__proto__'], { local: "-ERR unknown command '__proto__', with args beginning with: \r\n", close: false }],
  ];
  for (const [words, want] of cases) it(words.join(' ').slice(0, 40), () => expect(run(...words)).toEqual(want));
});
