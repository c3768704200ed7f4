// Kept so branches written against the old path still build; new code imports ../errors.js.
export { ConfigError } from '../errors.js';
