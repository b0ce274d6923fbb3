-- Tree mode: two build trees compared object by object (klp ORIG_DIR PATCHED_DIR).
local cjson = require "cjson"
local cli = require "helpers.cli"
local helper = require "helpers.tree"

local t = helper.build()

local function json_run(args)
  local argv = { "--format", "json" }
  for _, a in ipairs(args) do argv[#argv + 1] = a end
  local r = cli.run(argv)
  return r, r.stdout ~= "" and cjson.decode(r.stdout) or nil
end

local function paths(objects, field)
  local out = {}
  for _, obj in ipairs(objects) do
    if obj[field] ~= nil then out[#out + 1] = obj.path end
  end
  return out
end

describe("tree mode", function()
  assert.is_true(#t.changed >= 30, "the fixture trees hold dozens of changed objects")

  it("pairs objects by relative path and sorts them into compared, identical, one-sided and skipped", function()
    local r, doc = json_run { "--jobs", "2", t.orig, t.patched }
    assert.are.equal(1, r.status, "a broken object makes the exit status 1")
    assert.are.equal("", r.stderr, "no progress display when stderr is not a terminal")
    assert.are.equal("klp-tree/1", doc.format)
    assert.are.equal(t.orig, doc.orig)
    assert.are.equal("default", doc.policy)
    assert.are.same(t.changed, paths(doc.objects, "result"))
    assert.are.same(t.broken, paths(doc.objects, "error"))
    assert.are.same(t.identical, doc.identical)
    assert.are.same(t.orig_only, doc.orig_only)
    assert.are.same(t.patched_only, doc.patched_only)
    assert.are.same({ { path = "lto/unit.o",
      reason = "LLVM bitcode: compare the linked object (vmlinux.o, the module) instead" } }, doc.skipped)
    local s = doc.summary
    assert.are.equal(#t.changed, s.compared)
    assert.are.equal(1, s.errors)
    assert.are.equal(#t.changed + #t.identical + #t.orig_only + #t.patched_only + 2, s.objects)
    local pairs_total = 0
    for _, obj in ipairs(doc.objects) do
      if obj.result then pairs_total = pairs_total + obj.result.summary.pairs end
    end
    assert.are.equal(pairs_total, s.pairs)
  end)

  it("names the broken object's file and problem and still compares every other object", function()
    local _, doc = json_run { "--jobs", "2", t.orig, t.patched }
    local broken
    for _, obj in ipairs(doc.objects) do
      if obj.error then broken = obj end
    end
    assert.are.equal("broken/truncated.o", broken.path)
    assert.matches("^" .. (t.patched .. "/broken/truncated.o"):gsub("%p", "%%%0") .. ": ", broken.error)
    assert.is_nil(broken.error:find("\n"), "one line")
  end)

  it("embeds for each object the same version-1 document a single-pair run gives", function()
    local _, doc = json_run { "--jobs", "2", t.orig, t.patched }
    local checked = 0
    for _, obj in ipairs(doc.objects) do
      if obj.result and (obj.path:find("chg_", 1, true) or obj.path:find("thinlto", 1, true)) then
        local r, single = json_run { t.orig .. "/" .. obj.path, t.patched .. "/" .. obj.path }
        assert.are.same(single, obj.result, obj.path)
        assert.is_true(r.status == 0 or r.status == 2)
        checked = checked + 1
      end
    end
    assert.is_true(checked >= 10)
  end)

  it("gives byte-identical reports whatever the number of jobs", function()
    local one = cli.run { "--format", "json", "--jobs", "1", t.orig, t.patched }
    local three = cli.run { "--format", "json", "--jobs", "3", t.orig, t.patched }
    assert.are.equal(one.stdout, three.stdout)
    local text1 = cli.run { "--jobs", "1", t.orig, t.patched }
    local text2 = cli.run { "--jobs", "2", t.orig, t.patched }
    assert.are.equal(text1.stdout, text2.stdout)
    assert.are.equal(1, text1.status)
  end)

  it("writes a text rollup: per object its counts and what to patch, then the totals", function()
    local r = cli.run { t.orig, t.patched }
    assert.matches("\ncases/gcc/chg_function%.o: 3 pairs, 0 only in orig, 0 only in patched, 0 ambiguous\n"
      .. "  changed  compute  sympos 0\n", r.stdout)
    assert.matches("\nbroken/truncated%.o: error: ", r.stdout)
    assert.matches("\nOnly in orig %(removed objects%) %(3%):\n  gone/", r.stdout)
    assert.matches("\nOnly in patched %(new objects%) %(2%):\n  added/", r.stdout)
    assert.matches("\nSkipped %(1%):\n  lto/unit%.o %(LLVM bitcode", r.stdout)
    local objects = #t.changed + #t.identical + #t.orig_only + #t.patched_only + 2
    assert.matches(("\nTotals: %d objects: %d compared, %d identical, 3 only in orig, 2 only in patched, "
      .. "1 skipped, 1 error; %%d rejected by the policy\n"):format(objects, #t.changed, #t.identical), r.stdout)
    assert.matches("\nTo patch: %d+ changed functions, %d+ new, %d+ removed; %d+ changed data; %d+ pairs in all\n",
      r.stdout)
  end)

  it("selects objects with --include and --exclude globs, and exits 0 when all compare", function()
    local r, doc = json_run { "--include", "cases/gcc/*.o", "--exclude", "*ambiguous*", t.orig, t.patched }
    for _, obj in ipairs(doc.objects) do
      assert.matches("^cases/gcc/", obj.path)
      assert.is_nil(obj.path:find("ambiguous", 1, true))
    end
    assert.are.same({}, doc.orig_only)
    assert.are.same({}, doc.skipped)
    assert.are.equal(doc.summary.rejected > 0 and 2 or 0, r.status)
    assert.is_true(#doc.objects > 10)
    r, doc = json_run { "--exclude", "broken/**", "--exclude", "*.ko", t.orig, t.patched }
    assert.are.equal(0, doc.summary.errors)
    assert.are.same({}, doc.patched_only)
    assert.are.equal(doc.summary.rejected > 0 and 2 or 0, r.status)
  end)

  it("reports a job that fails or a worker that dies as that object's error only", function()
    local policy = os.tmpname() .. ".lua"
    local f = assert(io.open(policy, "w"))
    f:write([[
return { base = "default", passes = { { rule = "probe", run = function(c)
  local path = c:elf("orig"):info().path
  if path:find("chg_data", 1, true) then error("policy pass gave up") end
  if path:find("chg_string", 1, true) then os.exit(7) end
  return 0
end } } }
]])
    f:close()
    local r, doc = json_run { "--jobs", "2", "--policy", policy, "--include", "cases/**", t.orig, t.patched }
    os.remove(policy)
    assert.are.equal(1, r.status)
    local errors = {}
    for _, obj in ipairs(doc.objects) do
      if obj.error then errors[obj.path] = obj.error end
    end
    assert.matches("policy pass gave up", errors["cases/gcc/chg_data.o"])
    assert.matches("worker process exited %(status 7%) without a result", errors["cases/gcc/chg_string.o"])
    assert.is_truthy(errors["cases/clang/chg_string.o"])
    local compared = 0
    for _ in pairs(errors) do compared = compared + 1 end
    assert.are.equal(#doc.objects - compared, doc.summary.compared)
    assert.is_true(doc.summary.compared > 20)
  end)

  it("shows progress on stderr when it is a terminal", function()
    if os.execute("command -v script >/dev/null 2>&1") ~= true then
      pending("script(1) is not installed")
      return
    end
    local cmd = ("lua5.4 klp.lua --jobs 2 %s %s >/dev/null"):format(cli.quote(t.orig), cli.quote(t.patched))
    local p = assert(io.popen(cli.shell("script -qec " .. cli.quote(cmd) .. " /dev/null")))
    local out = p:read("a")
    p:close()
    local total = #t.changed + #t.identical + #t.broken + #t.skipped
    assert.matches(("%%[%d/%d%%] "):format(total, total), out)
    assert.matches("%[1/%d+%] ", out)
  end)

  it("refuses bad usage with one line and exit status 1", function()
    local cases = {
      { { t.orig, "klp.lua" }, "^klp: build/tree/orig is a directory but klp%.lua is not" },
      { { "--jobs", "0", t.orig, t.patched }, "^klp: .*%-%-jobs takes a number from 1 to 1024" },
      { { "--jobs", "2", "klp.lua", "klp.lua" }, "^klp: %-%-jobs, %-%-include and %-%-exclude apply to tree mode" },
      { { "--why", "foo", t.orig, t.patched }, "^klp: %-%-why applies to one object pair" },
      { { "--include", "[abc", t.orig, t.patched }, "^klp: bad glob \"%[abc\": %[ without %]" },
      { { "--policy", "nonesuch", t.orig, t.patched }, "^klp: unknown policy 'nonesuch'" },
    }
    for _, c in ipairs(cases) do
      local r = cli.run(c[1])
      assert.are.equal(1, r.status, table.concat(c[1], " "))
      assert.matches(c[2], r.stderr)
      assert.are.equal(1, select(2, r.stderr:gsub("\n", "")))
    end
  end)

  it("writes the tree document atomically with --output", function()
    local out = os.tmpname()
    local r = cli.run { "--format", "json", "--output", out, "--exclude", "broken/**", t.orig, t.patched }
    assert.are.equal("", r.stdout)
    local doc = cjson.decode(cli.slurp(out))
    os.remove(out)
    assert.are.equal("klp-tree/1", doc.format)
    assert.are.equal(0, doc.summary.errors)
  end)
end)

describe("klp.tree", function()
  local tree = require "klp.tree"

  it("scans regular files only, never through a symlinked directory", function()
    local keep = { keep = function() return true end, prune = function() return false end }
    local list = assert(tree.scan(t.orig, keep))
    for _, rel in ipairs(list) do assert.is_nil(rel:match("^loop/"), rel) end
    assert.is_truthy(list[1])
    local nothing, err = tree.scan("build/tree/no-such-dir", keep)
    assert.is_nil(nothing)
    assert.are.equal("build/tree/no-such-dir: not a directory", err)
  end)

  it("reports an unreadable directory as an error and compares the rest, unless excluded", function()
    if os.execute("[ \"$(id -u)\" = 0 ] && command -v runuser >/dev/null") ~= true then
      pending("needs root and runuser(1) to run klp as another user")
      return
    end
    local root = "/tmp/klp-tree-unreadable"
    assert.is_true(os.execute(cli.shell(("rm -rf %s && mkdir -p %s/o/secret %s/p/secret && cp %s/cases/gcc/chg_function.o %s/o/ "
      .. "&& cp %s/cases/gcc/chg_function.o %s/p/ && chmod -R a+rX %s && chmod 000 %s/o/secret")
      :format(root, root, root, t.orig, root, t.patched, root, root, root))))
    local run = function(extra)
      local p = assert(io.popen(cli.shell(("runuser -u nobody -- lua5.4 klp.lua -f json %s %s/o %s/p 2>&1; echo \"rc=$?\"")
        :format(extra, root, root))))
      local out = p:read("a")
      p:close()
      return out:match("^(.-)rc=(%d+)%s*$")
    end
    local out, rc = run("")
    assert.are.equal("1", rc)
    local doc = cjson.decode(out)
    assert.are.same({ "chg_function.o", "secret" }, paths(doc.objects, "path"))
    assert.are.equal(root .. "/o/secret: cannot read directory: Permission denied", doc.objects[2].error)
    out, rc = run("--exclude 'secret/**'")
    assert.are.equal("0", rc, out)
    assert.are.same({ "chg_function.o" }, paths(cjson.decode(out).objects, "path"))
    os.execute("rm -rf " .. root)
  end)

  it("keeps a file name with a newline on one line of the text report", function()
    local root = "build/tree-odd"
    assert.is_true(os.execute(cli.shell(("rm -rf %s && mkdir -p %s/o %s/p && cp %s/cases/gcc/chg_function.o %s/o/'a\nb.o' "
      .. "&& cp %s/cases/gcc/chg_function.o %s/p/'a\nb.o'"):format(root, root, root, t.orig, root, t.patched, root))))
    local r = cli.run { root .. "/o", root .. "/p" }
    assert.matches("\na\\012b%.o: 3 pairs", r.stdout)
    local doc = cjson.decode(cli.run({ "-f", "json", root .. "/o", root .. "/p" }).stdout)
    assert.are.equal("a\nb.o", doc.objects[1].path)
  end)

  it("plans pairs from two sorted path lists", function()
    local both, o, p = tree.plan({ "a", "b", "d" }, { "b", "c", "d", "e" })
    assert.are.same({ "b", "d" }, both)
    assert.are.same({ "a" }, o)
    assert.are.same({ "c", "e" }, p)
  end)

  it("compares through the API with a progress callback", function()
    local calls = 0
    local res = assert(tree.compare(t.orig, t.patched, {
      jobs = 2, include = { "cases/gcc/chg_*.o" }, progress = function(done, total)
        calls = calls + 1
        assert.is_true(done <= total)
      end,
    }))
    assert.are.equal(#res.objects, calls)
    assert.are_not.equal(1, tree.status(res), "no object failed")
    for _, obj in ipairs(res.objects) do
      assert.are.equal("compared", obj.status)
      assert.is_nil(obj.document, "documents only with opts.document")
    end
    res = assert(tree.compare(t.orig, t.patched, {
      jobs = 2, include = { "cases/gcc/chg_*.o" },
      document = function(r) return ("%d pairs"):format(r:summary().pairs) end,
    }))
    for _, obj in ipairs(res.objects) do
      assert.are.equal(("%d pairs"):format(obj.summary.pairs), obj.document)
    end
  end)
end)

describe("tree mode with --vmlinux", function()
  it("takes vmlinux.o's sympos from the linked image, and no other object's", function()
    local fixtures = require "helpers.fixtures"
    local B = require "helpers.build"
    local o, p = fixtures.pair("two_files_statics", "gcc")
    local image = B.two_files_image_b_first()
    local root = "build/tree-vmlinux"
    assert.is_true(os.execute(cli.shell(("rm -rf %s && mkdir -p %s/orig/sub %s/patched/sub"):format(root, root, root))))
    for _, rel in ipairs { "vmlinux.o", "sub/other.o" } do
      assert.is_true(os.execute(cli.shell(("cp %s %s/orig/%s && cp %s %s/patched/%s")
        :format(cli.quote(o), root, rel, cli.quote(p), root, rel))))
    end
    local r = cli.run { "--vmlinux", image, root .. "/orig", root .. "/patched" }
    assert.are.equal(0, r.status, r.stderr)
    assert.matches("\nsub/other%.o: [^\n]*\n  changed  helper  sympos 1\n", r.stdout)
    assert.matches("\nvmlinux%.o: [^\n]*\n  changed  helper  sympos 2\n", r.stdout)
  end)
end)
