-- The command line: formats, options, exit status and the JSON contract.
local cjson = require "cjson"
local cli = require "helpers.cli"
local fixtures = require "helpers.fixtures"

local gcc_orig, gcc_patched = fixtures.pair("gcc_clones", "gcc")
local amb_orig, amb_patched = fixtures.pair("ambiguous_unused", "gcc")

describe("klp CLI", function()
  it("prints a text report with counts, renamed pairs by rule and leftovers", function()
    local o, p = fixtures.pair("thinlto_hash", "clang")
    local r = cli.run { o, p }
    assert.are.equal(0, r.status)
    assert.are.equal("", r.stderr)
    assert.matches("Summary: 8 pairs %(0 positional%), 0 only in orig, 0 only in patched, 0 ambiguous", r.stdout)
    assert.matches("\n  suffix %(4%)\n", r.stdout)
    assert.matches("alpha%.llvm%.%d+ %(global func%)  %->  alpha%.llvm%.%d+ %(global func%)", r.stdout)
    assert.is_nil(r.stdout:find("\27[", 1, true), "no colour when stdout is not a terminal")
  end)

  it("reports clone changes, removed and new symbols in text", function()
    local r = cli.run { gcc_orig, gcc_patched }
    assert.are.equal(0, r.status)
    assert.matches("Clone%-kind changes, not paired %(2%):\n  mix %(local func, c%.c%)  %->  mix%.constprop%.0", r.stdout)
    assert.matches("Only in orig %(removed%) %(2%):", r.stdout)
    assert.matches("Only in patched %(new%) %(2%):", r.stdout)
  end)

  it("emits the version-1 JSON document with .symtab indices", function()
    local r = cli.run { "--format", "json", amb_orig, amb_patched }
    assert.are.equal(0, r.status)
    local doc = cjson.decode(r.stdout)
    assert.are.equal("klp-correlation/1", doc.format)
    assert.are.equal("default", doc.policy)
    for _, side in ipairs { "orig", "patched" } do
      assert.are.equal(64, doc[side].class)
      assert.are.equal("x86_64", doc[side].machine)
      assert.are.equal("rel", doc[side].type)
      assert.is_number(doc[side].symbols)
    end
    local klp = require "klp"
    local orig, patched = assert(klp.open(amb_orig)), assert(klp.open(amb_patched))
    assert.are.equal(#orig, doc.orig.symbols)
    for _, pair in ipairs(doc.pairs) do
      assert.are.equal(orig:symbol(pair.orig).name, pair.orig_name)
      assert.are.equal(patched:symbol(pair.patched).name, pair.patched_name)
      assert.is_string(pair.rule)
    end
    for _, e in ipairs(doc.orig_only) do
      local s = orig:symbol(e.index)
      assert.are.same({ s.name, s.type, s.bind }, { e.name, e.type, e.bind })
    end
    local s = doc.summary
    assert.are.same({ #doc.pairs, #doc.orig_only, #doc.patched_only, #doc.ambiguous },
      { s.pairs, s.orig_only, s.patched_only, s.ambiguous })
    assert.are.equal(5, s.ambiguous)
    for _, a in ipairs(doc.ambiguous) do
      assert.matches("^counter%.%d$", a.name)
      assert.is_true(a.side == "orig" or a.side == "patched")
      assert.is_true(#a.candidates >= 2)
      local other = a.side == "orig" and patched or orig
      for _, i in ipairs(a.candidates) do assert.matches("^counter%.%d$", other:symbol(i).name) end
    end
    assert.is_number(s.excluded_orig)
    assert.is_number(s.excluded_patched)
  end)

  it("writes empty lists as JSON arrays", function()
    local o, p = fixtures.pair("two_files_statics", "gcc")
    local r = cli.run { "--format", "json", o, p }
    assert.matches('"orig_only":%[%]', r.stdout)
    assert.matches('"ambiguous":%[%]', r.stdout)
  end)

  it("exits 2 when the policy rejects the result, 0 when it accepts it", function()
    assert.are.equal(0, cli.run { amb_orig, amb_patched }.status)
    local r = cli.run { "--policy", "strict", amb_orig, amb_patched }
    assert.are.equal(2, r.status)
    assert.matches("Policy strict rejects this result: 5 ambiguous symbols", r.stdout)
    local o, p = fixtures.pair("two_files_statics", "gcc")
    assert.are.equal(0, cli.run { "--policy", "strict", o, p }.status)
  end)

  it("loads a policy file and reports its errors with file and line", function()
    local path = os.tmpname()
    local f = assert(io.open(path, "w"))
    f:write('return { base = "strict", name = "team-gate", fail_on = { ambiguous = false } }\n')
    f:close()
    local r = cli.run { "--policy", path, amb_orig, amb_patched }
    assert.are.equal(0, r.status)
    assert.matches("policy:  team%-gate", r.stdout)
    f = assert(io.open(path, "w"))
    f:write('return {\n  base = "default",\n  nonsense = 1 +\n}\n')
    f:close()
    r = cli.run { "--policy", path, amb_orig, amb_patched }
    assert.are.equal(1, r.status)
    assert.matches(path:gsub("%p", "%%%0") .. ":%d+:", r.stderr)
    f = assert(io.open(path, "w"))
    f:write('return { colour = "blue" }\n')
    f:close()
    r = cli.run { "--policy", path, amb_orig, amb_patched }
    assert.are.equal(1, r.status)
    assert.matches("unknown field 'colour' in policy", r.stderr)
    os.remove(path)
    r = cli.run { "--policy", "nosuch", amb_orig, amb_patched }
    assert.are.equal(1, r.status)
    assert.matches("unknown policy 'nosuch'", r.stderr)
  end)

  it("writes --output atomically and leaves an existing file alone on failure", function()
    local out = os.tmpname()
    local r = cli.run { "--format", "json", "--output", out, gcc_orig, gcc_patched }
    assert.are.equal(0, r.status)
    assert.are.equal("", r.stdout)
    assert.are.equal("klp-correlation/1", cjson.decode(cli.slurp(out)).format)
    local before = cli.slurp(out)
    r = cli.run { "--output", out, gcc_orig, "/nonexistent/patched.o" }
    assert.are.equal(1, r.status)
    assert.are.equal(before, cli.slurp(out))
    local dir = out:match("^(.*)/")
    local leftovers = io.popen(cli.shell("ls " .. cli.quote(dir) .. " | grep -c "
      .. cli.quote(out:match("[^/]+$") .. ".klp-"))):read("a")
    assert.are.equal("0\n", leftovers)
    os.remove(out)
    r = cli.run { "--output", "/nonexistent-dir/report.txt", gcc_orig, gcc_patched }
    assert.are.equal(1, r.status)
    assert.matches("^klp: /nonexistent%-dir/report%.txt: No such file or directory\n$", r.stderr)
  end)

  it("answers --help, --version and --list-policies, and rejects bad usage", function()
    local r = cli.run { "--help" }
    assert.are.equal(0, r.status)
    assert.matches("Usage: klp", r.stdout)
    assert.matches("%-%-format", r.stdout)
    assert.matches("Exit status: 0 done, 1 usage or input error, 2 the policy rejected the result", r.stdout)
    r = cli.run { "--version" }
    assert.are.equal(0, r.status)
    assert.matches("^klp %d+%.%d+%.%d+\n$", r.stdout)
    r = cli.run { "--list-policies" }
    assert.matches("default%s+the best", r.stdout)
    assert.matches("strict%s+", r.stdout)
    r = cli.run { gcc_orig }
    assert.are.equal(1, r.status)
    assert.matches("^klp: missing argument 'patched' %(see klp %-%-help%)\n$", r.stderr)
    r = cli.run { "--format", "xml", gcc_orig, gcc_patched }
    assert.are.equal(1, r.status)
    assert.are.equal(1, select(2, r.stderr:gsub("\n", "")))
  end)

  it("uses colour only on a terminal and never with NO_COLOR", function()
    if os.execute("command -v script >/dev/null 2>&1") ~= true then
      pending("script(1) is not installed")
      return
    end
    local cmd = "lua5.4 klp.lua " .. cli.quote(gcc_orig) .. " " .. cli.quote(gcc_patched)
    local function on_tty(env)
      local p = io.popen(cli.shell(env .. " script -qec " .. cli.quote(cmd) .. " /dev/null"))
      local out = p:read("a")
      p:close()
      return out
    end
    assert.truthy(on_tty("env -u NO_COLOR"):find("\27[1m", 1, true))
    assert.is_nil(on_tty("NO_COLOR=1"):find("\27[", 1, true))
  end)
end)
