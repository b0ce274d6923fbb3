-- --forecast: what LLVM 23's suffix reduction would do to promoted statics,
-- on a clang-19 ThinLTO object whose assembly defines clashing globals
-- (tests/fixtures/forecast_clash: see its a.c for the cast).
local cjson = require "cjson"
local cli = require "helpers.cli"
local fixtures = require "helpers.fixtures"

local obj = fixtures.pair("forecast_clash", "clang")

local function by_plain(doc)
  local out = {}
  for _, row in ipairs(doc.symbols) do
    out[row.plain] = out[row.plain] or {}
    table.insert(out[row.plain], row)
  end
  return out
end

describe("--forecast", function()
  local r = cli.run { "--forecast", obj, "--format", "json" }
  local doc = cjson.decode(r.stdout)
  local rows = by_plain(doc)

  it("counts every promoted .llvm.<hash> symbol by verdict", function()
    assert.are.equal(0, r.status)
    assert.are.equal("", r.stderr)
    assert.are.equal("klp-forecast/1", doc.format)
    assert.are.equal(obj, doc.object.path)
    assert.are.same({
      promoted = 7, functions = 7, data = 0, other = 0, clash = 2, capture = 1, contested = 2, contested_names = 1,
      suffixed = 1, plain = 1, with_same_named_locals = 1,
    }, doc.summary)
  end)

  it("finds the clash with an assembly global and with an assembly weak symbol", function()
    local clash = rows.asm_clash[1]
    assert.are.equal("clash", clash.verdict)
    assert.matches("^asm_clash%.llvm%.%d+$", clash.name)
    assert.are.equal(1, #clash.collides_with)
    assert.are.equal("asm_clash", clash.collides_with[1].name)
    assert.are.equal("global", clash.collides_with[1].bind)
    assert.is_true(clash.collides_with[1].defined)
    assert.is_false(clash.collides_with[1].own_section, "assembly: in .text with other code")
    local weak = rows.weak_clash[1]
    assert.are.equal("clash", weak.verdict)
    assert.are.equal("weak", weak.collides_with[1].bind)
  end)

  it("lets a promoted static keep its suffix when its plain name is a global of LTO code", function()
    local row = rows.c_twin[1]
    assert.are.equal("suffixed", row.verdict)
    assert.are.equal("c_twin", row.collides_with[1].name)
    assert.are.equal(".text.c_twin", row.collides_with[1].section)
    assert.is_true(row.collides_with[1].own_section)
  end)

  it("finds a plain name the object references but does not define", function()
    local row = rows.ext_ref[1]
    assert.are.equal("capture", row.verdict)
    assert.are.equal(1, #row.captures)
    assert.is_false(row.captures[1].defined)
    assert.are.same({}, row.collides_with)
  end)

  it("marks promoted statics of two files sharing a name as contested, each naming the other", function()
    local a, b = rows.m_stop[1], rows.m_stop[2]
    assert.are.equal("contested", a.verdict)
    assert.are.equal("contested", b.verdict)
    assert.are_not.equal(a.hash, b.hash, "different modules")
    assert.are.same({ b.index }, a.contested_with)
    assert.are.same({ a.index }, b.contested_with)
  end)

  it("gives a unique name its plain form and notes the same-named local of another file", function()
    local row = rows.unique_helper[1]
    assert.are.equal("plain", row.verdict)
    assert.are.equal(1, #row.same_named_locals)
    assert.are.equal("d.c", row.same_named_locals[1].file)
  end)

  it("prints counts first, then each verdict's symbols", function()
    local t = cli.run { "--forecast", obj }
    assert.are.equal(0, t.status)
    local head = t.stdout:match("^(.-)\n\n(.-)\n\n")
    assert.matches("^object: .*forecast_clash/orig%.o %(rel, x86_64, ELF64, %d+ symbols%)", head)
    assert.matches("\n7 promoted symbols %(%.llvm%.<hash>%): 7 functions, 0 data\n"
      .. "      2 clash with a global or weak definition outside LTO.-\n"
      .. "      1 would capture an undefined reference.-\n"
      .. "      2 share a plain name with another promoted static.-%(1 name%)\n"
      .. "      1 keep the suffix: their plain name is a global of LTO code.-\n"
      .. "      1 take their plain name\n"
      .. "      1 share their plain name with local statics", t.stdout)
    assert.matches("\nCollide with a global definition %(2%):\n  func  asm_clash%.llvm%.%d+ %[%d+%] %-> asm_clash: "
      .. "asm_clash global func %[%d+%] in %.text\n", t.stdout)
    assert.matches("\nShare a plain name %(2%):\n  func  m_stop%.llvm%.%d+ %[%d+%] %-> m_stop: also m_stop%.llvm%.%d+\n",
      t.stdout)
    assert.matches("\nTake their plain name %(1%):\n  func  unique_helper%.llvm%.%d+ %[%d+%] %-> unique_helper "
      .. "%(local unique_helper %[%d+%] in d%.c", t.stdout)
  end)

  it("finds nothing to forecast in a GCC object or after the suffixes are gone", function()
    local gcc = fixtures.pair("gcc_clones", "gcc")
    local g = cjson.decode(cli.run({ "--forecast", gcc, "-f", "json" }).stdout)
    assert.are.equal(0, g.summary.promoted)
    assert.are.same({}, g.symbols)
    -- An LLVM 23 build, simulated: every promoted symbol renamed to its plain name.
    local reduced = os.tmpname()
    local redefine = {}
    for _, row in ipairs(doc.symbols) do
      if row.verdict == "plain" then redefine[#redefine + 1] = "--redefine-sym " .. row.name .. "=" .. row.plain end
    end
    assert.is_true(os.execute(cli.shell(("objcopy %s %s %s"):format(table.concat(redefine, " "),
      cli.quote(obj), cli.quote(reduced)))))
    local red = cjson.decode(cli.run({ "--forecast", reduced, "-f", "json" }).stdout)
    os.remove(reduced)
    assert.are.equal(doc.summary.promoted - 1, red.summary.promoted)
    assert.is_nil(by_plain(red).unique_helper)
  end)

  it("gives __pfx_ companions, which follow their function's name, no forecast of their own", function()
    local with_pfx = os.tmpname()
    local name = "__pfx_" .. rows.unique_helper[1].name
    assert.is_true(os.execute(cli.shell(("objcopy --add-symbol %s=.text:0,function,global %s %s")
      :format(name, cli.quote(obj), cli.quote(with_pfx)))))
    local d = cjson.decode(cli.run({ "--forecast", with_pfx, "-f", "json" }).stdout)
    os.remove(with_pfx)
    assert.are.same(doc.summary, d.summary)
  end)

  it("refuses a missing object, and other inputs beside it, in one line", function()
    local m = cli.run { "--forecast", "no-such.o" }
    assert.are.equal(1, m.status)
    assert.are.equal("klp: no-such.o: No such file or directory\n", m.stderr)
    local two = cli.run { "--forecast", obj, obj }
    assert.are.equal(1, two.status)
    assert.matches("^klp: %-%-forecast takes one object and no other input", two.stderr)
    local pol = cli.run { "--forecast", obj, "--policy", "strict" }
    assert.are.equal(1, pol.status)
    assert.matches("^klp: %-%-forecast takes one object and no other input", pol.stderr)
  end)
end)
