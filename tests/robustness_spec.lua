-- What a hostile caller or file system does to klp: callbacks that close
-- handles mid-call, strings that change under the engine, special files.
local cli = require "helpers.cli"
local fixtures = require "helpers.fixtures"
local core = require "klp.core"
local klp = require "klp"

local o_path, p_path = fixtures.pair("two_files_statics", "gcc")

describe("handles closed while a call runs", function()
  it("a key function that closes both ELFs ends with an error, not a crash", function()
    local a, b = assert(core.open(o_path)), assert(core.open(p_path))
    local c = core.correlator(a, b)
    c:assign_keys(function() a:close(); b:close(); return nil end, { contains = { "" }, prefixes = {} })
    assert.error_matches(function() c:summary() end, "closed")
  end)

  it("a finalizer that closes them during a bulk call does not free what the call reads", function()
    local a, b = assert(core.open(o_path)), assert(core.open(p_path))
    local r = assert(klp.correlate(a, b))
    setmetatable({}, { __gc = function() a:close(); b:close() end })
    collectgarbage()
    assert.has_error(function() r.correlator:pairs() end)
  end)

  it("a key function that empties the trigger list does not free the strings in use", function()
    local a, b = assert(core.open(o_path)), assert(core.open(p_path))
    local c = core.correlator(a, b)
    local t = { contains = { string.rep("q", 60), "" }, prefixes = {} }
    c:assign_keys(function()
      t.contains[1] = false
      collectgarbage()
      return nil
    end, t)
    assert.is_table(c:summary())
  end)
end)

describe("key functions", function()
  it("may not return strings with NUL bytes", function()
    local c = core.correlator(assert(core.open(o_path)), assert(core.open(p_path)))
    assert.error_matches(function()
      c:assign_keys(function() return { tu = "a\0b" } end, { contains = { "" }, prefixes = {} })
    end, "key function returned a string with a NUL byte as tu")
  end)
end)

describe("analysis", function()
  it("follows re-keying, and exclusions never break a pair", function()
    local c = core.correlator(assert(core.open(o_path)), assert(core.open(p_path)))
    c:align_files()
    local function candidates()
      local n = 0
      for _, a in ipairs(c:ambiguities()) do n = n + a.ncandidates end
      return n
    end
    local before = candidates()
    c:assign_keys(function() return { key = "same" } end, { contains = { "" }, prefixes = {} })
    assert.is_true(candidates() > before)
    c:run { rule = "exact", key = "name" }
    local s1 = c:summary()
    c:exclude { types = { "func", "object" } }
    local s2 = c:summary()
    assert.are.equal(s1.pairs, s2.pairs)
    assert.are.equal(s2.pairs, #c:pairs())
  end)
end)

describe("special files", function()
  it("refuses a FIFO as input instead of waiting for a writer", function()
    local fifo = os.tmpname()
    os.remove(fifo)
    assert(os.execute(cli.shell("mkfifo " .. cli.quote(fifo))))
    local r = cli.run({ fifo, p_path }, { env = "timeout 20" })
    os.remove(fifo)
    assert.are.equal(1, r.status)
    assert.are.equal("klp: " .. fifo .. ": not a regular file\n", r.stderr)
  end)

  it("writes --output /dev/null in place, leaving the device a device", function()
    local r = cli.run { "--output", "/dev/null", o_path, p_path }
    assert.are.equal(0, r.status, r.stderr)
    local kind = io.popen(cli.shell("stat -c %F /dev/null")):read("l")
    assert.are.equal("character special file", kind)
  end)

  it("keeps an existing output's mode and follows a symlink to it", function()
    local target = os.tmpname()
    assert(os.execute(cli.shell("chmod 644 " .. cli.quote(target))))
    local link = target .. ".link"
    assert(os.execute(cli.shell(("ln -sf %s %s"):format(cli.quote(target), cli.quote(link)))))
    local r = cli.run { "--format", "json", "--output", link, o_path, p_path }
    assert.are.equal(0, r.status, r.stderr)
    assert.are.equal("symbolic link", io.popen(cli.shell("stat -c %F " .. cli.quote(link))):read("l"))
    assert.are.equal("644", io.popen(cli.shell("stat -c %a " .. cli.quote(target))):read("l"))
    assert.truthy(cli.slurp(target):find('{"format":"klp-correlation\\/1"', 1, true))
    os.remove(link)
    os.remove(target)
  end)

  it("creates a new output readable as umask allows, not 0600", function()
    local out = os.tmpname()
    os.remove(out)
    local r = cli.run({ "--output", out, o_path, p_path }, { env = "umask 022;" })
    assert.are.equal(0, r.status, r.stderr)
    assert.are.equal("644", io.popen(cli.shell("stat -c %a " .. cli.quote(out))):read("l"))
    os.remove(out)
  end)

  it("answers isatty about a closed file with false", function()
    local f = assert(io.tmpfile())
    f:close()
    assert.is_false(core.isatty(f))
  end)
end)

describe("objects without a symbol table", function()
  it("correlate to nothing when they hold nothing, and are refused when stripped", function()
    local B = require "helpers.build"
    local dir = "build/robustness"
    local src = B.write(dir .. "/empty.s", "")
    local empty = B.build(dir, dir .. "/empty.o", { src },
      "as --64 -o $OUT.raw " .. src .. " && objcopy --strip-all $OUT.raw $OUT && rm -f $OUT.raw")
    local r = cli.run { "--format", "json", empty, empty }
    assert.are.equal(0, r.status, r.stderr)
    assert.matches('"symbols":0', r.stdout)
    local stripped = B.build(dir, dir .. "/stripped.o", { o_path }, "objcopy --strip-all " .. o_path .. " $OUT")
    r = cli.run { stripped, stripped }
    assert.are.equal(1, r.status)
    assert.matches("no symbol table %(%.symtab%); stripped files cannot be correlated", r.stderr)
  end)
end)

describe("JSON lists rendered in C", function()
  -- The writer once sat above its luaL_Buffer on the stack: the first growth
  -- of the buffer dropped it, and the collector freed it mid-write.
  it("stay intact when they outgrow the first buffer and the collector runs", function()
    local cjson = require "cjson"
    local o, p = fixtures.pair("gcc_clones", "gcc")
    local a, b = assert(core.open(o)), assert(core.open(p))
    local c = core.correlator(a, b)
    for _ = 1, 3 do
      collectgarbage("collect")
      local text = c:json_unpaired("orig")
      local list = cjson.decode(text)
      assert.is_true(#text > 1024)
      assert.are.equal("number", type(list[1].index))
      for _, row in ipairs(list) do assert.are.equal(a:symbol(row.index).name, row.name) end
    end
  end)
end)
