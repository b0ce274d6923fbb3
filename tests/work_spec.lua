-- The system services tree mode stands on: worker processes (core.run_jobs),
-- byte comparison of files, symbol lookup by name, and globs.
local core = require "klp.core"
local glob = require "klp.glob"
local cli = require "helpers.cli"
local fixtures = require "helpers.fixtures"

-- Runs job over 1..count with n workers; returns {i = {ok, string}}.
local function run(n, count, job)
  local got = {}
  core.run_jobs(n, count, job, function(i, ok, s)
    assert.is_nil(got[i], "each job reports once")
    got[i] = { ok, s }
  end)
  return got
end

describe("core.run_jobs", function()
  it("runs every job once and reports its string, whatever the number of workers", function()
    local job = function(i) return ("job %d:%s"):format(i, ("x"):rep(i * 40000)) end
    local one, three = run(1, 9, job), run(3, 9, job)
    assert.are.equal(9, #three)
    assert.are.same(one, three)
    assert.are.equal(("job 9:%s"):format(("x"):rep(360000)), three[9][2])
    assert.are.same({}, run(2, 0, job))
  end)

  it("never runs a job in the caller's process: one worker isolates a crash too", function()
    local got = run(1, 2, function(i)
      -- SIGKILL: the sanitizers would catch a SIGSEGV and abort instead.
      if i == 1 then os.execute("kill -KILL $PPID") end
      return tostring(i)
    end)
    assert.are.same({ false, "worker process killed by signal 9" }, got[1])
    assert.are.same({ true, "2" }, got[2])
  end)

  it("replaces a worker that died while idle and gives its next job to the new one", function()
    local got = {}
    core.run_jobs(1, 2, function(i)
      if i == 1 then os.execute("(sleep 0.2; kill -9 $PPID) >/dev/null 2>&1 &") end
      return tostring(i)
    end, function(i, ok, s)
      got[i] = { ok, s }
      if i == 1 then os.execute("sleep 0.6") end
    end)
    assert.are.same({ { true, "1" }, { true, "2" } }, got)
  end)

  it("turns a job's error into a failed job and goes on", function()
    for _, n in ipairs { 1, 2 } do
      local got = run(n, 4, function(i)
        if i == 2 then error("no good", 0) end
        return tostring(i)
      end)
      assert.are.same({ { true, "1" }, { false, "no good" }, { true, "3" }, { true, "4" } }, got)
    end
  end)

  it("reports a worker that exits or is killed as its job's failure and replaces it", function()
    local got = run(2, 6, function(i)
      if i == 2 then os.exit(5) end
      if i == 4 then os.execute("kill -9 $PPID") end
      return tostring(i)
    end)
    assert.are.same({ false, "worker process exited (status 5) without a result" }, got[2])
    assert.are.same({ false, "worker process killed by signal 9" }, got[4])
    for _, i in ipairs { 1, 3, 5, 6 } do assert.are.same({ true, tostring(i) }, got[i]) end
  end)

  it("passes an error of the done callback on, after stopping the workers", function()
    assert.error_matches(function()
      core.run_jobs(2, 50, function(i) return tostring(i) end, function(i)
        if i == 3 then error("stop here") end
      end)
    end, "stop here")
    assert.are.same({ { true, "1" } }, run(2, 1, function() return "1" end))
  end)

  it("checks its arguments", function()
    local f = function() return "" end
    assert.error_matches(function() core.run_jobs(0, 1, f, f) end, "between 1 and 1024")
    assert.error_matches(function() core.run_jobs(2, -1, f, f) end, "negative job count")
    assert.error_matches(function() core.run_jobs(2, 1, nil, f) end, "function expected")
    assert.is_true(core.cpu_count() >= 1)
  end)
end)

describe("core.same_contents", function()
  local dir = os.tmpname()
  os.remove(dir)
  assert(os.execute("mkdir " .. cli.quote(dir)))
  local function file(name, text)
    local f = assert(io.open(dir .. "/" .. name, "wb"))
    f:write(text)
    f:close()
    return dir .. "/" .. name
  end
  local big = ("0123456789abcdef"):rep(40000)

  it("tells equal files from different ones, however large", function()
    assert.is_true(core.same_contents(file("a", big), file("b", big)))
    assert.is_false(core.same_contents(file("c", big .. "!"), dir .. "/a"))
    assert.is_false(core.same_contents(file("d", big:sub(1, -2) .. "X"), dir .. "/a"))
    assert.is_true(core.same_contents(file("e", ""), file("f", "")))
  end)

  it("names the file it cannot read", function()
    local ok, err = core.same_contents(dir .. "/a", dir .. "/missing")
    assert.is_nil(ok)
    assert.are.equal(dir .. "/missing: No such file or directory", err)
    ok, err = core.same_contents(dir, dir .. "/a")
    assert.is_nil(ok)
    assert.are.equal(dir .. ": not a regular file", err)
    os.execute("rm -rf " .. cli.quote(dir))
  end)
end)

describe("elf:named and elf:names_containing", function()
  local o = fixtures.pair("thinlto_tu_map", "clang")
  local elf = assert(core.open(o))

  it("find symbols by exact name and by a part of it, in symtab order", function()
    local promoted = elf:names_containing(".llvm.")
    assert.are.equal(4, #promoted)
    for k, i in ipairs(promoted) do
      assert.matches("%.llvm%.%d+$", elf:symbol(i).name)
      if k > 1 then assert.is_true(i > promoted[k - 1]) end
    end
    local found = elf:named { "b_entry", "no_such_symbol", "a_glue" }
    assert.are.same({ "b_entry" }, { elf:symbol(found.b_entry[1]).name })
    assert.is_nil(found.no_such_symbol)
    assert.are.equal(1, #found.a_glue)
    assert.are.same({}, elf:named {})
  end)

  it("refuse what they cannot search for", function()
    assert.error_matches(function() elf:named { 1 } end, "array of strings")
    assert.error_matches(function() elf:names_containing("") end, "non%-empty")
  end)
end)

describe("klp.glob", function()
  it("matches names without / at any depth and paths with / from the root", function()
    local cases = {
      { "*.o", "a.o", true }, { "*.o", "x/y/a.o", true }, { "*.o", "a.ko", false },
      { "drivers/**/*.o", "drivers/a.o", true }, { "drivers/**/*.o", "drivers/x/y/a.o", true },
      { "drivers/**/*.o", "fs/a.o", false }, { "drivers/*", "drivers/x/a.o", false },
      { "drivers/**", "drivers/x/a.o", true }, { "a?c.o", "abc.o", true }, { "[ab]*.o", "b1.o", true },
      { "[!ab]*.o", "b1.o", false }, { "[a-c]x", "cx", true }, { "*a*b*c", "xxaxxbxxcx", false },
      { "*a*b*c", "xxaxxbxxc", true }, { "\\*.o", "*.o", true }, { "\\*.o", "a.o", false },
      { "x/*/z.o", "x/y/z.o", true }, { "x/*/z.o", "x/y/w/z.o", false },
      { "caf?.o", "café.o", true }, { "caf[é].o", "café.o", true }, { "caf[!é].o", "café.o", false },
      { "caf[!a].o", "café.o", true }, { "a[/]b", "a/b", false }, { "a[!x]b", "a/b", false },
      { "[\\]]x", "]x", true },
    }
    for _, c in ipairs(cases) do
      assert.are.equal(c[3], assert(glob.compile(c[1]))(c[2]), c[1] .. " on " .. c[2])
    end
  end)

  it("filters by includes and excludes and rejects a malformed glob", function()
    local keep = assert(glob.filter({ "*.o", "*.ko" }, { "*.mod.o" }))
    assert.is_true(keep("net/a.o"))
    assert.is_true(keep("a.ko"))
    assert.is_false(keep("a.mod.o"))
    assert.is_false(keep("a.c"))
    assert.are.same({ nil, 'bad glob "x[": [ without ]' }, { glob.filter({ "x[" }, {}) })
  end)
end)
