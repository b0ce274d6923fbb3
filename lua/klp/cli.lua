-- klp.cli: the command line, in three modes: one object pair, two build
-- trees, or a suffix-reduction forecast.  main(args) returns the exit status:
-- 0 done, 1 usage or input error, 2 the policy rejected the result.
local argparse = require "argparse"
local lfs = require "lfs"
local core = require "klp.core"
local klp = require "klp"
local report = require "klp.report"

local M = {}

local function parser()
  local p = argparse("klp", "Pair every symbol of an original kernel object with its twin in the "
    .. "patched build; report what is new, removed, renamed by the compiler or ambiguous, and "
    .. "what a live patch must replace.  Given two directories, compare two whole build trees "
    .. "object by object.  With --forecast, say what LLVM 23's suffix reduction would do to an "
    .. "object's promoted statics.")
  p:usage("Usage: klp [options] ORIG PATCHED\n       klp [options] ORIG_DIR PATCHED_DIR\n"
    .. "       klp [options] --forecast OBJ")
  p:argument("orig", "Original object (vmlinux.o, module .o/.ko, linked vmlinux), or build tree."):args "?"
  p:argument("patched", "Patched build of the same object, or the patched build tree."):args "?"
  p:option("-f --format", "Output format."):choices { "text", "json" }:default "text"
  p:option("-p --policy", "Policy: a preset name or a policy file."):default "default"
  p:option("-o --output", "Write the report to FILE (atomically) instead of standard output.")
    :argname "FILE"
  p:option("--vmlinux", "The linked image of ORIG: sympos in kallsyms order (by address) instead of "
    .. "ORIG's symtab order (tree mode: for vmlinux.o).")
    :argname("PATH")
  p:flag("-e --explain", "With every pair, the rule and the evidence that made it.")
  p:option("-w --why", "Instead of the report, show what each pass did with the symbols of this "
    .. "name or key (repeatable).")
    :argname("NAME"):count("*")
  p:option("--diff", "Instead of the report, the instructions of the function of this name or key "
    .. "in both objects as a unified diff, references written as symbol+offset (repeatable).")
    :argname("NAME"):count("*")
  p:option("-j --jobs", "Tree mode: compare objects in N worker processes (default: one per processor).")
    :argname("N"):convert(function(v)
      local n = math.tointeger(tonumber(v))
      if not n or n < 1 or n > 1024 then return nil, "--jobs takes a number from 1 to 1024" end
      return n
    end)
  p:option("--include", "Tree mode: compare only files matching GLOB (repeatable; default *.o and *.ko). "
    .. "A glob without / matches the file name; * stays within a directory, ** crosses them.")
    :argname("GLOB"):count("*")
  p:option("--exclude", "Tree mode: skip files matching GLOB (repeatable).")
    :argname("GLOB"):count("*")
  p:option("--forecast", "Instead of correlating: for every promoted .llvm.<hash> symbol of OBJ, "
    .. "whether LLVM 23's -always-rename-promoted-locals=false would give it its plain name, and "
    .. "what that name collides with.")
    :argname("OBJ")
  p:flag("--list-policies", "List the preset policies and exit."):action(function()
    for _, name in ipairs(klp.policy.names()) do
      io.stdout:write(("%-10s %s\n"):format(name, klp.policy.presets[name].description))
    end
    os.exit(0)
  end)
  p:flag("-V --version", "Print the version and exit."):action(function()
    io.stdout:write("klp " .. klp.version .. "\n")
    os.exit(0)
  end)
  p:epilog("Exit status: 0 done, 1 usage or input error, 2 the policy rejected the result.  "
    .. "Tree mode: 1 when an object could not be compared, else 2 when the policy rejected an object.")
  return p
end

local function fail(msg)
  io.stderr:write("klp: ", (tostring(msg):gsub("\n", " ")), "\n")
  return 1
end

-- Colour only on a terminal, and never when NO_COLOR is set (no-color.org).
local function use_colour(args)
  local no = os.getenv("NO_COLOR")
  return not args.output and (no == nil or no == "") and core.isatty(io.stdout)
end

-- Writes the report chunks to --output (atomically) or standard output.
local function emit(args, chunks)
  if args.output then
    local ok, err = core.write_atomic(args.output, chunks)
    if not ok then return nil, err end
  else
    for _, chunk in ipairs(chunks) do io.stdout:write(chunk) end
  end
  return true
end

-- Options that mean something in one mode only.
local function misplaced(args, mode)
  local tree_only = #args.include > 0 or #args.exclude > 0 or args.jobs
  if mode ~= "tree" and tree_only then return "--jobs, --include and --exclude apply to tree mode (two directories)" end
  if mode == "tree" and #args.why > 0 then return "--why applies to one object pair, not to tree mode" end
  if mode == "tree" and #args.diff > 0 then return "--diff applies to one object pair, not to tree mode" end
  if #args.why > 0 and #args.diff > 0 then return "--why and --diff each replace the report: give one of them" end
  if mode == "forecast" and (args.orig or args.vmlinux or args.explain or #args.why > 0 or #args.diff > 0
      or args.policy ~= "default") then
    return "--forecast takes one object and no other input (see klp --help)"
  end
end

local function run_pair(args)
  local orig, err = klp.open(args.orig)
  if not orig then return fail(err) end
  local patched, perr = klp.open(args.patched)
  if not patched then return fail(perr) end
  local why = #args.why > 0 and args.why or nil
  local res, cerr = klp.correlate(orig, patched, args.policy, { watch = why })
  if not res then return fail(cerr) end
  if args.vmlinux then
    local ok, ierr = klp.use_image(res, args.vmlinux)
    if not ok then return fail(ierr) end
  end
  local chunks
  if why then
    chunks = { report.why(res, why) }
  elseif #args.diff > 0 then
    local diff = require "klp.diff"
    local d, derr = diff.compute(res, args.diff)
    if not d then return fail(derr) end
    chunks = { args.format == "json" and diff.json(d) or diff.text(d, { colour = use_colour(args) }) }
  elseif args.format == "json" then
    chunks = report.json_chunks(res, { explain = args.explain })
  else
    chunks = { report.text(res, { colour = use_colour(args), explain = args.explain }) }
  end
  local ok, werr = emit(args, chunks)
  if not ok then return fail(werr) end
  return #res:failures() > 0 and 2 or 0
end

-- "[12/2000] drivers/net/foo.ko" on one self-erasing stderr line.
local function progress_line(done, total, path)
  io.stderr:write(("\r\27[K[%d/%d] %s"):format(done, total, report.printable(path)))
  if done == total then io.stderr:write("\r\27[K") end
  io.stderr:flush()
end

local function run_tree(args)
  local tree = require "klp.tree"
  local tree_report = require "klp.tree_report"
  local t, err = tree.compare(args.orig, args.patched, {
    policy = args.policy, jobs = args.jobs,
    include = #args.include > 0 and args.include or nil, exclude = args.exclude,
    document = args.format == "json" and function(res) return report.json(res, { explain = args.explain }) end or nil,
    vmlinux = args.vmlinux,
    progress = core.isatty(io.stderr) and progress_line or nil,
  })
  if not t then return fail(err) end
  local chunks = args.format == "json" and tree_report.json_chunks(t)
    or { tree_report.text(t, { colour = use_colour(args) }) }
  local ok, werr = emit(args, chunks)
  if not ok then return fail(werr) end
  return tree.status(t)
end

local function run_forecast(args)
  local forecast = require "klp.forecast"
  local forecast_report = require "klp.forecast_report"
  local elf, err = klp.open(args.forecast)
  if not elf then return fail(err) end
  local f = forecast.analyse(elf)
  local chunks = { args.format == "json" and forecast_report.json(f)
    or forecast_report.text(f, { colour = use_colour(args) }) }
  local ok, werr = emit(args, chunks)
  if not ok then return fail(werr) end
  return 0
end

-- Which mode the arguments ask for: "pair", "tree" or "forecast"; or nil
-- and a usage message.
local function mode_of(args)
  if args.forecast then return "forecast" end
  local missing = not args.orig and "orig" or not args.patched and "patched"
  if missing then return nil, ("missing argument '%s' (see klp --help)"):format(missing) end
  local a, b = lfs.attributes(args.orig, "mode"), lfs.attributes(args.patched, "mode")
  if a == "directory" and b == "directory" then return "tree" end
  if a == "directory" or b == "directory" then
    return nil, ("%s is a directory but %s is not: give two objects or two build trees")
      :format(a == "directory" and args.orig or args.patched, a == "directory" and args.patched or args.orig)
  end
  return "pair"
end

local function run(argv)
  local ok, args = parser():pparse(argv)
  if not ok then return fail(args .. " (see klp --help)") end
  local mode, merr = mode_of(args)
  if not mode then return fail(merr) end
  local bad = misplaced(args, mode)
  if bad then return fail(bad) end
  if mode == "tree" then return run_tree(args) end
  if mode == "forecast" then return run_forecast(args) end
  return run_pair(args)
end

--- Runs the command line; returns the exit status.  Unexpected errors become
--- one line on stderr (KLP_DEBUG=1 shows the traceback).
function M.main(argv)
  local ok, status = xpcall(run, function(e)
    if (os.getenv("KLP_DEBUG") or "") ~= "" then return debug.traceback(e, 2) end
    return e
  end, argv)
  if ok then return status end
  return fail("internal error: " .. tostring(status))
end

return M
