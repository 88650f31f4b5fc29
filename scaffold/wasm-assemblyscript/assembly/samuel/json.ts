// A small JSON value type, parser and printer: enough for plugin input and output and the host's network
// messages, without dependencies. Objects keep their keys in order.

export enum Kind {
  Null,
  Bool,
  Number,
  String,
  Array,
  Object,
}

/** A JSON value. Numbers are f64, as in JavaScript. */
export class JSONValue {
  kind: Kind = Kind.Null;
  bool: bool = false;
  num: f64 = 0;
  str: string = "";
  items: JSONValue[] = [];
  keys: string[] = [];

  static null(): JSONValue {
    return new JSONValue();
  }

  static fromBool(b: bool): JSONValue {
    const v = new JSONValue();
    v.kind = Kind.Bool;
    v.bool = b;
    return v;
  }

  static fromNumber(n: f64): JSONValue {
    const v = new JSONValue();
    v.kind = Kind.Number;
    v.num = n;
    return v;
  }

  static fromString(s: string): JSONValue {
    const v = new JSONValue();
    v.kind = Kind.String;
    v.str = s;
    return v;
  }

  static array(items: JSONValue[] = []): JSONValue {
    const v = new JSONValue();
    v.kind = Kind.Array;
    v.items = items;
    return v;
  }

  static object(): JSONValue {
    const v = new JSONValue();
    v.kind = Kind.Object;
    return v;
  }

  get isNull(): bool {
    return this.kind == Kind.Null;
  }

  get isObject(): bool {
    return this.kind == Kind.Object;
  }

  /** Sets `key` of an object (replacing an earlier value) and returns the object, for chaining. */
  set(key: string, value: JSONValue): JSONValue {
    const i = this.keys.indexOf(key);
    if (i >= 0) {
      this.items[i] = value;
    } else {
      this.keys.push(key);
      this.items.push(value);
    }
    return this;
  }

  setString(key: string, value: string): JSONValue {
    return this.set(key, JSONValue.fromString(value));
  }

  setNumber(key: string, value: f64): JSONValue {
    return this.set(key, JSONValue.fromNumber(value));
  }

  setBool(key: string, value: bool): JSONValue {
    return this.set(key, JSONValue.fromBool(value));
  }

  /** Appends to an array and returns it. */
  push(value: JSONValue): JSONValue {
    this.items.push(value);
    return this;
  }

  /** The value of `key` when this is an object holding it, else null. */
  get(key: string): JSONValue | null {
    if (this.kind != Kind.Object) return null;
    const i = this.keys.indexOf(key);
    return i < 0 ? null : this.items[i];
  }

  /** Compact JSON text. Whole numbers print without a fraction; NaN and infinities print as null. */
  toString(): string {
    const parts: string[] = [];
    this.write(parts);
    return parts.join("");
  }

  private write(out: string[]): void {
    switch (this.kind) {
      case Kind.Null:
        out.push("null");
        break;
      case Kind.Bool:
        out.push(this.bool ? "true" : "false");
        break;
      case Kind.Number:
        out.push(formatNumber(this.num));
        break;
      case Kind.String:
        out.push(quote(this.str));
        break;
      case Kind.Array:
        out.push("[");
        for (let i = 0; i < this.items.length; i++) {
          if (i > 0) out.push(",");
          this.items[i].write(out);
        }
        out.push("]");
        break;
      default:
        out.push("{");
        for (let i = 0; i < this.keys.length; i++) {
          if (i > 0) out.push(",");
          out.push(quote(this.keys[i]));
          out.push(":");
          this.items[i].write(out);
        }
        out.push("}");
    }
  }
}

function formatNumber(n: f64): string {
  if (!isFinite(n)) return "null";
  if (Math.floor(n) == n && Math.abs(n) < 9.0e15) return (<i64>n).toString();
  return n.toString();
}

const HEX = "0123456789abcdef";

/** `s` as a JSON string literal. */
export function quote(s: string): string {
  const parts: string[] = ['"'];
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let esc = "";
    if (c == 0x22) esc = '\\"';
    else if (c == 0x5c) esc = "\\\\";
    else if (c == 0x0a) esc = "\\n";
    else if (c == 0x0d) esc = "\\r";
    else if (c == 0x09) esc = "\\t";
    else if (c < 0x20) esc = "\\u00" + HEX.charAt(c >> 4) + HEX.charAt(c & 15);
    if (esc.length > 0) {
      parts.push(s.substring(start, i));
      parts.push(esc);
      start = i + 1;
    }
  }
  parts.push(s.substring(start));
  parts.push('"');
  return parts.join("");
}

/** What `parseJSON` returns: the value, or an error saying what was expected and where. */
export class ParsedJSON {
  constructor(public value: JSONValue, public error: string = "") {}

  get ok(): bool {
    return this.error.length == 0;
  }
}

/** Nesting deeper than this is refused rather than risking the guest's stack. */
const MAX_DEPTH = 256;

class Parser {
  pos: i32 = 0;
  error: string = "";

  constructor(public src: string) {}

  fail(what: string): JSONValue {
    if (this.error.length == 0) this.error = what + " at character " + this.pos.toString();
    return JSONValue.null();
  }

  peek(): i32 {
    return this.pos < this.src.length ? this.src.charCodeAt(this.pos) : -1;
  }

  skipWs(): void {
    while (true) {
      const c = this.peek();
      if (c != 0x20 && c != 0x09 && c != 0x0a && c != 0x0d) return;
      this.pos++;
    }
  }

  literal(word: string, value: JSONValue): JSONValue {
    if (this.src.substr(this.pos, word.length) != word) return this.fail("invalid literal");
    this.pos += word.length;
    return value;
  }

  value(depth: i32): JSONValue {
    if (depth > MAX_DEPTH) return this.fail("nested too deeply");
    const c = this.peek();
    if (c == -1) return this.fail("unexpected end of input");
    if (c == 0x6e) return this.literal("null", JSONValue.null());
    if (c == 0x74) return this.literal("true", JSONValue.fromBool(true));
    if (c == 0x66) return this.literal("false", JSONValue.fromBool(false));
    if (c == 0x22) return JSONValue.fromString(this.string());
    if (c == 0x5b) return this.array(depth);
    if (c == 0x7b) return this.object(depth);
    if (c == 0x2d || (c >= 0x30 && c <= 0x39)) return this.number();
    return this.fail("unexpected character");
  }

  array(depth: i32): JSONValue {
    this.pos++;
    const arr = JSONValue.array();
    this.skipWs();
    if (this.peek() == 0x5d) {
      this.pos++;
      return arr;
    }
    while (true) {
      this.skipWs();
      arr.push(this.value(depth + 1));
      if (this.error.length > 0) return arr;
      this.skipWs();
      const c = this.peek();
      if (c == 0x2c) {
        this.pos++;
      } else if (c == 0x5d) {
        this.pos++;
        return arr;
      } else {
        return this.fail("expected ',' or ']'");
      }
    }
  }

  object(depth: i32): JSONValue {
    this.pos++;
    const obj = JSONValue.object();
    this.skipWs();
    if (this.peek() == 0x7d) {
      this.pos++;
      return obj;
    }
    while (true) {
      this.skipWs();
      if (this.peek() != 0x22) return this.fail("expected a string key");
      const key = this.string();
      if (this.error.length > 0) return obj;
      this.skipWs();
      if (this.peek() != 0x3a) return this.fail("expected ':'");
      this.pos++;
      this.skipWs();
      const v = this.value(depth + 1);
      if (this.error.length > 0) return obj;
      if (obj.keys.indexOf(key) < 0) obj.set(key, v); // the first of repeated keys wins
      this.skipWs();
      const c = this.peek();
      if (c == 0x2c) {
        this.pos++;
      } else if (c == 0x7d) {
        this.pos++;
        return obj;
      } else {
        return this.fail("expected ',' or '}'");
      }
    }
  }

  digits(): bool {
    const from = this.pos;
    while (this.peek() >= 0x30 && this.peek() <= 0x39) this.pos++;
    return this.pos > from;
  }

  number(): JSONValue {
    const start = this.pos;
    if (this.peek() == 0x2d) this.pos++;
    if (this.peek() == 0x30) this.pos++;
    else if (!this.digits()) return this.fail("invalid number");
    if (this.peek() == 0x2e) {
      this.pos++;
      if (!this.digits()) return this.fail("invalid number");
    }
    if (this.peek() == 0x65 || this.peek() == 0x45) {
      this.pos++;
      if (this.peek() == 0x2b || this.peek() == 0x2d) this.pos++;
      if (!this.digits()) return this.fail("invalid number");
    }
    return JSONValue.fromNumber(parseFloat(this.src.substring(start, this.pos)));
  }

  hex4(): i32 {
    if (this.pos + 4 > this.src.length) {
      this.fail("short \\u escape");
      return 0;
    }
    let n = 0;
    for (let i = 0; i < 4; i++) {
      const c = this.src.charCodeAt(this.pos + i);
      const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : (c | 0x20) >= 0x61 && (c | 0x20) <= 0x66 ? (c | 0x20) - 0x57 : -1;
      if (d < 0) {
        this.fail("invalid \\u escape");
        return 0;
      }
      n = (n << 4) | d;
    }
    this.pos += 4;
    return n;
  }

  string(): string {
    this.pos++;
    const parts: string[] = [];
    let start = this.pos;
    while (true) {
      const c = this.peek();
      if (c == -1) {
        this.fail("unterminated string");
        return "";
      }
      if (c == 0x22) {
        parts.push(this.src.substring(start, this.pos));
        this.pos++;
        return parts.join("");
      }
      if (c < 0x20) {
        this.fail("control character in string");
        return "";
      }
      if (c != 0x5c) {
        this.pos++;
        continue;
      }
      parts.push(this.src.substring(start, this.pos));
      this.pos++;
      const e = this.peek();
      this.pos++;
      if (e == 0x22) parts.push('"');
      else if (e == 0x5c) parts.push("\\");
      else if (e == 0x2f) parts.push("/");
      else if (e == 0x62) parts.push("\b");
      else if (e == 0x66) parts.push("\f");
      else if (e == 0x6e) parts.push("\n");
      else if (e == 0x72) parts.push("\r");
      else if (e == 0x74) parts.push("\t");
      else if (e == 0x75) {
        // UTF-16 code units, as JSON writes them: a surrogate pair is two escapes, joined here.
        const unit = this.hex4();
        if (this.error.length > 0) return "";
        parts.push(String.fromCharCode(unit));
      } else {
        this.fail("invalid escape");
        return "";
      }
      start = this.pos;
    }
  }
}

/** Parses one JSON value (surrounding whitespace allowed). */
export function parseJSON(text: string): ParsedJSON {
  const p = new Parser(text);
  p.skipWs();
  const v = p.value(0);
  if (p.error.length == 0) {
    p.skipWs();
    if (p.pos != text.length) p.fail("unexpected text after the value");
  }
  return new ParsedJSON(p.error.length > 0 ? JSONValue.null() : v, p.error);
}
