// Light runtime checks on federation answers: each field we read has the type the spec promises, or the
// call fails with FederationRequestError kind 'bad-response'. PDUs are only checked to be JSON objects;
// their content is the PDU checks' business (rooms/pdu-checks), not the transport's.
import { isJsonObject, JsonObject, JsonValue } from '../../protocol/json';
import { FederationRequestError } from './federation-request-error';

/** A PDU as it came off the wire: a JSON object nobody has checked yet. */
export type UncheckedPdu = JsonObject;

/** Which request an answer belongs to, for the error message. */
export interface RequestIdentity {
  destination: string;
  method: string;
  path: string;
}

/** Reads typed fields out of one answer, failing the call on the first field of the wrong shape. */
export class ResponseShape {
  constructor(
    private readonly request: RequestIdentity,
    readonly body: JsonObject,
  ) {}

  fail(message: string, cause?: unknown): never {
    const { destination, method, path } = this.request;
    throw new FederationRequestError('bad-response', destination, method, path, message, undefined, undefined, this.body, cause === undefined ? undefined : { cause });
  }

  private field(name: string): JsonValue | undefined {
    return Object.prototype.hasOwnProperty.call(this.body, name) ? this.body[name] : undefined;
  }

  string(name: string): string {
    const value = this.field(name);
    if (typeof value !== 'string') this.fail(`${name} must be a string`);
    return value;
  }

  optionalString(name: string): string | undefined {
    return this.field(name) === undefined ? undefined : this.string(name);
  }

  optionalBoolean(name: string): boolean | undefined {
    const value = this.field(name);
    if (value !== undefined && typeof value !== 'boolean') this.fail(`${name} must be a boolean`);
    return value;
  }

  /** An integer (timestamps, depths); JSON numbers with a fraction are refused. */
  integer(name: string): number {
    const value = this.field(name);
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) this.fail(`${name} must be an integer`);
    return value;
  }

  object(name: string): JsonObject {
    const value = this.field(name);
    if (!isJsonObject(value)) this.fail(`${name} must be a JSON object`);
    return value;
  }

  optionalObject(name: string): JsonObject | undefined {
    return this.field(name) === undefined ? undefined : this.object(name);
  }

  stringArray(name: string): string[] {
    const value = this.field(name);
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) this.fail(`${name} must be an array of strings`);
    return value as string[];
  }

  optionalStringArray(name: string): string[] | undefined {
    return this.field(name) === undefined ? undefined : this.stringArray(name);
  }

  /** An array of JSON objects (PDUs, stripped state): the elements themselves stay unchecked. */
  objectArray(name: string): JsonObject[] {
    const value = this.field(name);
    if (!Array.isArray(value)) this.fail(`${name} must be an array`);
    const index = value.findIndex((v) => !isJsonObject(v));
    if (index >= 0) this.fail(`${name}[${index}] must be a JSON object`);
    return value as JsonObject[];
  }
}
