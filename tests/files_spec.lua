-- FILE symbols hold basenames (core.c, main.c): a vmlinux.o repeats them by
-- the hundred.  Repeated names pair by what their blocks hold, never silently
-- by position.
local B = require "helpers.build"
local C = require "helpers.correlation"

local DIR = "build/files"

local SOURCES = {
  ["net/core.c"] = [[
static int __attribute__((noinline, used)) helper(int x) { return x + 1; }
static int net_state __attribute__((used));
int net_api(int x) { return helper(x) + net_state; }
]],
  ["fs/core.c"] = [[
static long __attribute__((noinline, used)) helper(long x) { return x * 2 + 7; }
static long fs_table[4] __attribute__((used));
int fs_api(int x) { return (int)helper(x) + (int)fs_table[x & 3]; }
]],
  ["mm/core.c"] = [[
static int __attribute__((noinline, used)) helper(int x) { return x - 3; }
static int mm_only __attribute__((used));
int mm_api(int x) { return helper(x) + mm_only; }
]],
  ["a/empty.c"] = "static int x __attribute__((used));\nint a_fn(void) { return x; }\n",
  ["b/empty.c"] = "static int x __attribute__((used));\nint b_fn(void) { return x + 1; }\n",
}

local function pair(name, orig, patched)
  return B.link(DIR, name .. "-orig", SOURCES, orig), B.link(DIR, name .. "-patched", SOURCES, patched)
end

-- The FILE symbol index of the block holding a uniquely named local.
local function block_of(elf, name)
  for sym in elf:symbols() do if sym.name == name then return sym.file_index end end
end

-- Asserts that every paired local's FILE maps as expected (orig -> patched).
local function assert_blocks(res, expect)
  local checked = 0
  for o, p in res:pairs() do
    if o.file_index then
      assert.are.equal(expect[o.file_index], p.file_index, o.name)
      checked = checked + 1
    end
  end
  return checked
end

describe("repeated FILE names", function()
  it("pair by shared statics when a same-named file is inserted in front", function()
    local r = C.run(pair("insert", { "net/core.c", "fs/core.c" }, { "mm/core.c", "net/core.c", "fs/core.c" }))
    local o, p = r.result.orig, r.result.patched
    local expect = {
      [block_of(o, "net_state")] = block_of(p, "net_state"),
      [block_of(o, "fs_table")] = block_of(p, "fs_table"),
    }
    assert.are.equal(4, assert_blocks(r.result, expect))
    assert.is_true(r.patched_only["mm_only@core.c"])
    assert.is_true(r.patched_only["helper@core.c"])
    assert.are.equal(0, r.summary.positional_files)
  end)

  it("pair by shared statics when the link order swaps", function()
    local orig, patched = pair("swap", { "net/core.c", "fs/core.c" }, { "fs/core.c", "net/core.c" })
    local r = C.run(orig, patched)
    local o, p = r.result.orig, r.result.patched
    local expect = {
      [block_of(o, "net_state")] = block_of(p, "net_state"),
      [block_of(o, "fs_table")] = block_of(p, "fs_table"),
    }
    assert.are.equal(4, assert_blocks(r.result, expect))
    assert.are.same({}, r.result:failures())
    assert.are.same({}, C.run(orig, patched, "strict").result:failures())
  end)

  it("mark FILE pairs that only position could decide, and strict rejects them", function()
    local o, p = pair("blind", { "a/empty.c", "b/empty.c" }, { "a/empty.c", "b/empty.c" })
    local r = C.run(o, p)
    assert.are.equal(2, r.summary.positional_files)
    local files = r.result:files()
    assert.is_true(files.pairs[1].positional)
    r = C.run(o, p, "strict")
    assert.are.same({ "2 FILE pairs decided by position only" }, r.result:failures())
  end)
end)
