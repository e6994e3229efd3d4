#pragma once

namespace memo::config {

// The program node runs to evaluate a backfill.config.js: `node -e <this> -- <file> <salt>`.
// It requires the config as backfill does, watches everything that can make the result differ
// from one run to the next, and answers with one JSON object on descriptor 3 (see its opening
// comment). memo checks the answer's nesting before parsing it; config_js_record.hpp keeps it.
inline constexpr const char* kConfigJsEvaluator = R"JS(
'use strict';
// memo's evaluator for backfill.config.js. It requires the config the way backfill does, with
// everything that can make the result differ from one run to the next watched, and writes one
// JSON answer on descriptor 3:
//   {config, env, envListed, envWritten, probes, cwd, uncacheable} or {error}.
// Each probe is [kind, path, what node saw or null]; memo records the state of each path and
// reuses the answer only while every one is unchanged. Anything memo could not check from its
// side is named in `uncacheable`, and such an evaluation is never reused.
const [, file, salt] = process.argv;
const fs = require('fs');
const path = require('path');
const Module = require('module');
const crypto = require('crypto');
const os = require('os');
const { fileURLToPath } = require('url');

const kMaxDepth = 64;  // memo's kMaxConfigDepth
const real = {
  stringify: JSON.stringify,
  parse: JSON.parse,
  writeSync: fs.writeSync,
  readFileSync: fs.readFileSync,
  cwd: process.cwd,
  exit: process.exit,
  env: process.env,
};

const seen = {
  env: new Set(),
  envListed: false,
  envWritten: [],
  probes: new Map(),
  cwd: false,
  uncacheable: new Set(),
};

function uncacheable(reason) {
  seen.uncacheable.add(reason);
}

// --- The environment -------------------------------------------------------------------------

function watchEnvironment() {
  const read = (name) => {
    if (typeof name === 'string') seen.env.add(name);
  };
  const written = (value) => {
    if (value !== undefined) seen.envWritten.push(String(value));
  };
  process.env = new Proxy(real.env, {
    get(target, name) { read(name); return Reflect.get(target, name); },
    has(target, name) { read(name); return Reflect.has(target, name); },
    getOwnPropertyDescriptor(target, name) {
      read(name);
      return Reflect.getOwnPropertyDescriptor(target, name);
    },
    ownKeys(target) { seen.envListed = true; return Reflect.ownKeys(target); },
    set(target, name, value) { written(value); return Reflect.set(target, name, value); },
    defineProperty(target, name, descriptor) {
      written(descriptor.value);
      return Reflect.defineProperty(target, name, descriptor);
    },
  });
  process.cwd = function cwd() {
    seen.cwd = true;
    return real.cwd.call(process);
  };
}

// --- Files -------------------------------------------------------------------------------------

function digestOf(bytes) {
  return crypto.createHash('sha256').update(salt).update('\0').update(bytes).digest('hex');
}

function digestOfNames(names) {
  const sorted = names.map((name) => Buffer.from(name)).sort(Buffer.compare);
  const hash = crypto.createHash('sha256').update(salt).update('\0');
  for (const name of sorted) hash.update(name).update('\0');
  return hash.digest('hex');
}

function typeOfEntry(entry) {
  if (entry.isFile()) return 'f';
  if (entry.isDirectory()) return 'd';
  if (entry.isSymbolicLink()) return 'l';
  return '?';
}

// The path a file function was given, made absolute the way the kernel will see it; undefined
// for a descriptor or a file handle (whatever opened it was already watched).
function absolute(target) {
  try {
    if (target instanceof URL) target = fileURLToPath(target);
  } catch {
    uncacheable('it reads a URL that is not a file');
    return undefined;
  }
  if (Buffer.isBuffer(target)) target = target.toString();
  if (typeof target !== 'string') return undefined;
  if (target.startsWith('/')) return target;
  seen.cwd = true;
  return real.cwd.call(process) + '/' + target;
}

function probe(kind, target, observed = null) {
  const where = absolute(target);
  if (where === undefined) return;
  if (/^\/(proc|sys|dev)(\/|$)/.test(where)) {
    uncacheable(`it reads ${where}`);
    return;
  }
  const key = kind + '\0' + where;
  const before = seen.probes.get(key);
  if (before && before[2] !== null && observed !== null && before[2] !== observed) {
    uncacheable(`${where} changed while it was read`);
  }
  if (!before || before[2] === null) seen.probes.set(key, [kind, where, observed]);
}

// A failed call is a probe too when the file is missing; any other failure cannot be checked.
function probeFailure(kind, target, error, name) {
  if (error && (error.code === 'ENOENT' || error.code === 'ENOTDIR')) {
    probe(kind, target, '-');
  } else if (error && error.code === 'EISDIR' && kind === 'read') {
    probe(kind, target, 'd');
  } else if (error && error.code === 'EINVAL' && kind === 'readlink') {
    probe(kind, target, '!');
  } else {
    uncacheable(`fs.${name} failed (${error && error.code})`);
  }
}

const observers = {
  exists: (result) => (result ? '+' : '-'),
  stat: (result) => (result === undefined ? '-' : null),
  lstat: (result) => (result === undefined ? '-' : null),
  names: (result) => (Array.isArray(result) ? digestOfNames(result.map(String)) : null),
  entries: (result) =>
    Array.isArray(result)
      ? digestOfNames(result.map((entry) => entry.name + '\0' + typeOfEntry(entry)))
      : null,
  realpath: (result) => digestOf(result),
  nativerealpath: (result) => digestOf(result),
  readlink: (result) => digestOf(result),
};

function observe(kind, result) {
  return observers[kind] ? observers[kind](result) : null;
}

// What a call shows the config, given its options: undefined when memo cannot check it.
function kindOf(kind, options) {
  if (typeof options === 'function') options = undefined;
  if (options && options.recursive) return undefined;
  if (kind === 'list') return options && options.withFileTypes ? 'entries' : 'names';
  if (kind === 'access') {
    return options === undefined || options === fs.constants.F_OK ? 'exists' : 'stat';
  }
  return kind;
}

function replace(object, name, wrapper) {
  const original = object[name];
  Object.defineProperties(wrapper, Object.getOwnPropertyDescriptors(original));
  object[name] = wrapper;
}

function observingCallback(kind, target, name, callback) {
  if (name === 'exists') {
    return (exists) => {
      probe(kind, target, observers.exists(exists));
      callback(exists);
    };
  }
  return (error, result) => {
    if (error) probeFailure(kind, target, error, name);
    else probe(kind, target, observe(kind, result));
    callback(error, result);
  };
}

// Watches object[name](path, options?, ...) called synchronously ('sync'), with a callback
// ('callback') or for a promise ('promise').
function watchCall(object, name, baseKind, style) {
  const original = object[name];
  if (typeof original !== 'function') return;
  replace(object, name, function (target, ...rest) {
    const kind = kindOf(baseKind, rest[0]);
    if (kind === undefined) {
      uncacheable(`it calls fs.${name} with options memo cannot check`);
      return original.call(this, target, ...rest);
    }
    if (style === 'callback') {
      const last = rest.length - 1;
      if (last >= 0 && typeof rest[last] === 'function') {
        rest[last] = observingCallback(kind, target, name, rest[last]);
      }
      return original.call(this, target, ...rest);
    }
    if (style === 'promise') {
      return original.call(this, target, ...rest).then(
        (result) => {
          probe(kind, target, observe(kind, result));
          return result;
        },
        (error) => {
          probeFailure(kind, target, error, name);
          throw error;
        });
    }
    let result;
    try {
      result = original.call(this, target, ...rest);
    } catch (error) {
      probeFailure(kind, target, error, name);
      throw error;
    }
    probe(kind, target, observe(kind, result));
    return result;
  });
}

// readFile: the watcher sees the bytes, the config gets what it asked for.
function encodingOf(options) {
  if (typeof options === 'string') return options;
  return options && typeof options === 'object' && options.encoding ? options.encoding : undefined;
}
function withoutEncoding(options) {
  if (typeof options === 'object' && options !== null) return { ...options, encoding: null };
  return undefined;
}
function decoded(bytes, encoding) {
  return encoding && encoding !== 'buffer' ? bytes.toString(encoding) : bytes;
}
function readsOnly(flags) {
  return flags === undefined || flags === null || flags === 'r' || flags === 'rs' ||
      flags === 'sr' || flags === fs.constants.O_RDONLY;
}
function flagOf(options) {
  return typeof options === 'object' && options !== null ? options.flag : undefined;
}

function watchReadFile(object, name, style) {
  const original = object[name];
  if (typeof original !== 'function') return;
  replace(object, name, function (target, options, callback) {
    if (!readsOnly(flagOf(options))) {
      uncacheable(`it calls fs.${name} with a flag that writes`);
      return original.apply(this, arguments);
    }
    const encoding = encodingOf(options);
    const seeBytes = (bytes) => {
      probe('read', target, digestOf(bytes));
      return decoded(bytes, encoding);
    };
    const failed = (error) => probeFailure('read', target, error, name);
    if (style === 'callback') {
      const done = typeof options === 'function' ? options : callback;
      return original.call(this, target, withoutEncoding(options), (error, bytes) => {
        if (error) {
          failed(error);
          return done(error);
        }
        done(null, seeBytes(bytes));
      });
    }
    if (style === 'promise') {
      return original.call(this, target, withoutEncoding(options)).then(seeBytes, (error) => {
        failed(error);
        throw error;
      });
    }
    let bytes;
    try {
      bytes = original.call(this, target, withoutEncoding(options));
    } catch (error) {
      failed(error);
      throw error;
    }
    return seeBytes(bytes);
  });
}

// open for reading is a read memo checks from its side (fs.readFileSync itself calls
// fs.openSync); open for writing cannot be checked.
function watchOpen(object, name) {
  const original = object[name];
  if (typeof original !== 'function') return;
  replace(object, name, function (target, flags) {
    if (readsOnly(typeof flags === 'function' ? undefined : flags)) probe('read', target);
    else uncacheable(`it opens a file to write (fs.${name})`);
    return original.apply(this, arguments);
  });
}

function refuse(object, name, reason) {
  const original = object && object[name];
  if (typeof original !== 'function') return;
  replace(object, name, function () {
    uncacheable(reason);
    return new.target ? Reflect.construct(original, arguments, new.target)
                      : original.apply(this, arguments);
  });
}

const kFileCalls = {
  exists: 'exists', stat: 'stat', lstat: 'lstat', access: 'access', readdir: 'list',
  opendir: 'entries', realpath: 'realpath', readlink: 'readlink',
};
const kWritingCalls = [
  'writeFile', 'appendFile', 'mkdir', 'mkdtemp', 'rm', 'rmdir', 'unlink', 'rename', 'copyFile',
  'cp', 'symlink', 'link', 'chmod', 'lchmod', 'chown', 'lchown', 'truncate', 'utimes', 'lutimes',
  'createReadStream', 'createWriteStream', 'watch', 'watchFile', 'statfs', 'glob',
];

function watchFiles() {
  const promises = fs.promises;
  watchReadFile(fs, 'readFileSync', 'sync');
  watchReadFile(fs, 'readFile', 'callback');
  watchReadFile(promises, 'readFile', 'promise');
  watchOpen(fs, 'openSync');
  watchOpen(fs, 'open');
  watchOpen(promises, 'open');
  for (const [name, kind] of Object.entries(kFileCalls)) {
    watchCall(fs, name + 'Sync', kind, 'sync');
    watchCall(fs, name, kind, 'callback');
    if (name !== 'exists') watchCall(promises, name, kind, 'promise');
  }
  watchCall(fs.realpathSync, 'native', 'nativerealpath', 'sync');
  watchCall(fs.realpath, 'native', 'nativerealpath', 'callback');
  for (const name of kWritingCalls) {
    const reason = `it calls fs.${name}`;
    refuse(fs, name, reason);
    refuse(fs, name + 'Sync', reason);
    refuse(promises, name, reason);
  }
}

// --- Module resolution -----------------------------------------------------------------------

// Node looks for the package.json nearest to a file (for "type" and for self-references) by
// walking up from its folder to the first one that exists, stopping at a node_modules folder.
function probePackageScope(fromPath) {
  let dir = fromPath;
  for (;;) {
    const cut = dir.lastIndexOf('/');
    if (cut < 0) return;
    dir = dir.slice(0, cut);
    if (dir.endsWith('/node_modules')) return;
    const seenThere = probeRead(dir + '/package.json');
    if (seenThere !== '-' && seenThere !== 'd') return;
    if (cut === 0) return;
  }
}

function probeRead(where) {
  try {
    const digest = digestOf(real.readFileSync(where));
    probe('read', where, digest);
    return digest;
  } catch (error) {
    probeFailure('read', where, error, 'readFileSync');
    return error && error.code === 'EISDIR' ? 'd' : '-';
  }
}

function isBareRequest(request) {
  return !request.startsWith('.') && !request.startsWith('/') && !Module.isBuiltin(request);
}

// Module._stat and Module._readPackage are node's hooks into its resolution (setting them prints
// an experimental-feature warning, silenced here); fs.realpathSync is watched with fs.
function watchModuleResolution() {
  const stat = Module._stat;
  const readPackage = Module._readPackage;
  if (typeof stat !== 'function' || typeof readPackage !== 'function') {
    uncacheable('this version of node does not let memo watch how require finds files');
    return;
  }
  const emitWarning = process.emitWarning;
  process.emitWarning = () => {};
  try {
    Module._stat = function (target) {
      const rc = stat(target);
      probe('type', target, rc === 1 ? 'd' : rc === 0 ? 'f' : '-');
      return rc;
    };
    Module._readPackage = function (requestPath) {
      probeRead(path.resolve(requestPath, 'package.json'));
      return readPackage(requestPath);
    };
  } finally {
    process.emitWarning = emitWarning;
  }
  const resolveFilename = Module._resolveFilename;
  Module._resolveFilename = function (request, parent, ...rest) {
    if (typeof request === 'string' && isBareRequest(request) && parent && parent.filename) {
      probePackageScope(parent.filename);
    }
    return resolveFilename.call(this, request, parent, ...rest);
  };
  const loadJs = Module._extensions['.js'];
  Module._extensions['.js'] = function (module, filename) {
    if (filename.endsWith('.js')) probePackageScope(filename);
    return loadJs.call(this, module, filename);
  };
  const compile = Module.prototype._compile;
  Module.prototype._compile = function (content, filename, format) {
    if (format === 'module' || /\bimport\s*\(/.test(String(content))) {
      uncacheable(`${filename} uses import()`);
    }
    return compile.apply(this, arguments);
  };
}

// --- Everything else memo cannot check -------------------------------------------------------

const kUncheckableModules = new Set([
  'child_process', 'cluster', 'worker_threads', 'net', 'http', 'https', 'http2', 'dns',
  'dns/promises', 'tls', 'dgram', 'inspector', 'vm',
]);

function watchLoads() {
  const load = Module._load;
  Module._load = function (request, parent, isMain) {
    const name = typeof request === 'string' && request.startsWith('node:') ? request.slice(5) : request;
    if (kUncheckableModules.has(name)) uncacheable(`it loads ${name}`);
    try {
      return load.apply(this, arguments);
    } catch (error) {
      uncacheable(`require('${request}') failed`);
      throw error;
    }
  };
  refuse(process, 'binding', 'it calls process.binding');
  refuse(process, '_linkedBinding', 'it calls process._linkedBinding');
  refuse(process, 'dlopen', 'it loads a native addon');
  refuse(process, 'chdir', 'it changes the working directory');
  refuse(process, 'hrtime', 'it reads the clock');
  refuse(process.hrtime, 'bigint', 'it reads the clock');
  refuse(process, 'uptime', 'it reads the clock');
  refuse(process.report, 'getReport', 'it reads a process report');
  refuse(Module, 'register', 'it registers module hooks');
  refuse(globalThis, 'fetch', 'it uses the network');
  const options = real.env.NODE_OPTIONS || '';
  if (/(^|\s)(-r|--require|--import|--loader|--experimental-loader)(\s|=|$)/.test(options)) {
    uncacheable('NODE_OPTIONS loads modules before the config');
  }
}

function watchClockAndRandomness() {
  const RealDate = Date;
  globalThis.Date = new Proxy(RealDate, {
    construct(target, args, newTarget) {
      if (args.length === 0) uncacheable('it reads the clock');
      return Reflect.construct(target, args, newTarget);
    },
    apply(target, self, args) {
      uncacheable('it reads the clock');
      return Reflect.apply(target, self, args);
    },
  });
  refuse(RealDate, 'now', 'it reads the clock');
  refuse(Math, 'random', 'it uses random numbers');
  refuse(globalThis.performance, 'now', 'it reads the clock');
  for (const name of ['randomBytes', 'randomUUID', 'randomInt', 'randomFill', 'randomFillSync',
                      'getRandomValues']) {
    refuse(crypto, name, 'it uses random numbers');
  }
  refuse(crypto.webcrypto, 'getRandomValues', 'it uses random numbers');
  refuse(crypto.webcrypto, 'randomUUID', 'it uses random numbers');
  for (const name of ['hostname', 'userInfo', 'networkInterfaces', 'cpus', 'freemem', 'totalmem',
                      'uptime', 'loadavg', 'availableParallelism', 'getPriority']) {
    refuse(os, name, `it calls os.${name}`);
  }
  // Both read variables, through node's own lookup rather than process.env.
  const homedir = os.homedir;
  os.homedir = function () {
    seen.env.add('HOME');
    if (!real.env.HOME) uncacheable('it calls os.homedir without HOME');
    return homedir.apply(this, arguments);
  };
  const tmpdir = os.tmpdir;
  os.tmpdir = function () {
    for (const name of ['TMPDIR', 'TMP', 'TEMP']) seen.env.add(name);
    return tmpdir.apply(this, arguments);
  };
}

// --- The answer ------------------------------------------------------------------------------

let sent = false;
function send(answer) {
  if (sent) return;
  sent = true;
  const bytes = Buffer.from(real.stringify(answer));
  try {
    for (let offset = 0; offset < bytes.length;) offset += real.writeSync(3, bytes, offset);
  } catch {
    // memo is gone, or the config closed the channel: memo will say it got no answer.
  }
}

function describe(error) {
  if (error instanceof Error) {
    const where = error.stack ? String(error.stack).split('\n')[0] : '';
    const message = error.message + (error instanceof SyntaxError && where ? ` (${where})` : '');
    return message.split('\n')[0];
  }
  return String(error).split('\n')[0];
}

function withoutModuleWrapper(exported) {
  if (exported && exported.__esModule && 'default' in exported) return exported.default;
  return exported;
}

// Functions become {"$function": name} so that memo can say which setting it cannot use.
function serialize(value) {
  const marked = (key, item) => (typeof item === 'function' ? { $function: key || 'module.exports' } : item);
  try {
    return real.stringify(value === undefined ? {} : value, marked);
  } catch (error) {
    if (error instanceof RangeError) throw new Error(`its result is nested more than ${kMaxDepth} levels deep`);
    throw error;
  }
}

function answer(config) {
  let text;
  try {
    text = serialize(withoutModuleWrapper(config));
  } catch (error) {
    return send({ error: describe(error) });
  }
  send({
    config: real.parse(text),
    env: [...seen.env],
    envListed: seen.envListed,
    envWritten: seen.envWritten,
    probes: [...seen.probes.values()],
    cwd: seen.cwd,
    uncacheable: [...seen.uncacheable],
  });
}

function evaluate() {
  let pending = false;
  let resolved;
  process.on('exit', (code) => {
    if (sent) return;
    if (pending) return send({ error: 'it exported a promise that never settled' });
    if (code !== 0) return send({ error: `it called process.exit(${code})` });
    const loaded = resolved && Module._cache[resolved];
    answer(loaded ? loaded.exports : undefined);
  });
  process.on('uncaughtException', (error) => {
    send({ error: describe(error) });
    real.exit.call(process, 0);
  });
  try {
    resolved = require.resolve(file);
    const exported = withoutModuleWrapper(require(file));
    if (exported && typeof exported.then === 'function') {
      pending = true;
      Promise.resolve(exported).then(
        (value) => { pending = false; answer(value); real.exit.call(process, 0); },
        (error) => {
          pending = false;
          send({ error: 'its promise was rejected: ' + describe(error) });
          real.exit.call(process, 0);
        });
      return;
    }
    answer(exported);
  } catch (error) {
    send({ error: describe(error) });
  }
  real.exit.call(process, 0);
}

watchEnvironment();
watchFiles();
watchModuleResolution();
watchLoads();
watchClockAndRandomness();
evaluate();
)JS";

}  // namespace memo::config
