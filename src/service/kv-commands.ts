// kvserver's command table: a parsed RESP request becomes either a reply the front end
// gives itself (PING, ECHO, QUIT, errors, in Redis's wording) or device requests for the guest
// (GET, SET, DEL, EXISTS, INCR). Pure: no sockets, no ring.
import {
  KV_KEY_MAX, KV_VALUE_MAX, OP_DEL, OP_EXISTS, OP_GET, OP_INCR, OP_SET, type KvOp,
} from '../guest/workloads/kv-device.js';
import { encodeBulk, encodeError, encodeSimple } from './resp.js';

export interface DeviceRequest {
  readonly op: KvOp;
  readonly key: Buffer;
  readonly value: Buffer | null;
}

export type CommandAction =
  /** Answered by the front end; `close`: then close the connection (QUIT). */
  | { readonly kind: 'local'; readonly reply: Buffer; readonly close: boolean }
  /** One device request per key; DEL and EXISTS of n keys add up n integer replies. */
  | { readonly kind: 'guest'; readonly requests: readonly DeviceRequest[]; readonly sum: boolean };

interface CommandSpec {
  /** Redis's arity: n exactly, or -n at least n (the name counts). */
  readonly arity: number;
  run(args: readonly Buffer[]): CommandAction;
}

const local = (reply: Buffer, close = false): CommandAction => ({ kind: 'local', reply, close });
const error = (text: string) => local(encodeError(text));
const keyTooLong = () => error(`ERR key exceeds maximum allowed size (${KV_KEY_MAX} bytes)`);

function keyed(op: KvOp, sum: boolean) {
  return (args: readonly Buffer[]): CommandAction => {
    const keys = args.slice(1);
    if (keys.some((k) => k.length > KV_KEY_MAX)) return keyTooLong();
    return { kind: 'guest', requests: keys.map((key) => ({ op, key, value: null })), sum };
  };
}

const COMMANDS: Readonly<Record<string, CommandSpec>> = {
  ping: { arity: -1, run: (a) => (a.length > 2 ? arityError('ping') : local(a.length === 2 ? encodeBulk(a[1]!) : encodeSimple('PONG'))) },
  quit: { arity: -1, run: () => local(encodeSimple('OK'), true) },
  echo: { arity: 2, run: (a) => local(encodeBulk(a[1]!)) }, // redis-cli --pipe ends its input with one
  get: { arity: 2, run: keyed(OP_GET, false) },
  exists: { arity: -2, run: keyed(OP_EXISTS, true) },
  del: { arity: -2, run: keyed(OP_DEL, true) },
  incr: { arity: 2, run: keyed(OP_INCR, false) },
  set: {
    arity: -3,
    run(a) {
      if (a.length > 3) return error('ERR syntax error'); // SET's options (EX, NX, ...) are not served
      if (a[1]!.length > KV_KEY_MAX) return keyTooLong();
      if (a[2]!.length > KV_VALUE_MAX) return error(`ERR string exceeds maximum allowed size (${KV_VALUE_MAX} bytes)`);
      return { kind: 'guest', requests: [{ op: OP_SET, key: a[1]!, value: a[2]! }], sum: false };
    },
  },
};

function arityError(name: string): CommandAction {
  return error(`ERR wrong number of arguments for '${name}' command`);
}

/** Redis 7's message: the name and the first arguments, each quoted, up to ~128 bytes. */
function unknownCommand(args: readonly Buffer[]): CommandAction {
  let rest = '';
  for (let i = 1; i < args.length && rest.length < 128; i++) rest += `'${args[i]!.toString('latin1').slice(0, 128 - rest.length)}' `;
  return error(`ERR unknown command '${args[0]!.toString('latin1').slice(0, 128)}', with args beginning with: ${rest}`);
}

export function commandAction(args: readonly Buffer[]): CommandAction {
  const name = args[0]!.toString('latin1').toLowerCase();
  const spec = Object.hasOwn(COMMANDS, name) ? COMMANDS[name]! : null;
  if (spec === null) return unknownCommand(args);
  if (spec.arity > 0 ? args.length !== spec.arity : args.length < -spec.arity) return arityError(name);
  return spec.run(args);
}
