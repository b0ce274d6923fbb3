-- klp.cli: the command line.  main(args) returns the exit status:
-- 0 done, 1 usage or input error, 2 the policy rejected the result.
local argparse = require "argparse"
local core = require "klp.core"
local klp = require "klp"
local report = require "klp.report"

local M = {}

local function parser()
  local p = argparse("klp", "Pair every symbol of an original kernel object with its twin in the "
    .. "patched build; report what is new, removed, renamed by the compiler or ambiguous, and "
    .. "what a live patch must replace.")
  p:argument("orig", "Original object (vmlinux.o, module .o/.ko, linked vmlinux).")
  p:argument("patched", "Patched build of the same object.")
  p:option("-f --format", "Output format."):choices { "text", "json" }:default "text"
  p:option("-p --policy", "Policy: a preset name or a policy file."):default "default"
  p:option("-o --output", "Write the report to FILE (atomically) instead of standard output.")
    :argname "FILE"
  p:option("--vmlinux", "The linked image of ORIG: sympos in kallsyms order (by address) instead of "
    .. "ORIG's symtab order."):argname("PATH")
  p:flag("-e --explain", "With every pair, the rule and the evidence that made it.")
  p:option("-w --why", "Instead of the report, show what each pass did with the symbols of this "
    .. "name or key (repeatable)."):argname("NAME"):count("*")
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
  p:epilog("Exit status: 0 done, 1 usage or input error, 2 the policy rejected the result.")
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

local function run(argv)
  local ok, args = parser():pparse(argv)
  if not ok then return fail(args .. " (see klp --help)") end
  local orig, err = klp.open(args.orig)
  if not orig then return fail(err) end
  local patched, perr = klp.open(args.patched)
  if not patched then return fail(perr) end
  local why = #args.why > 0 and args.why or nil
  local res, cerr = klp.correlate(orig, patched, args.policy, { watch = why })
  if not res then return fail(cerr) end
  if args.vmlinux then
    local image, ierr = klp.open(args.vmlinux)
    if not image then return fail(ierr) end
    local ires, iierr = klp.correlate(orig, image)
    if not ires then return fail(iierr) end
    res:set_sympos_image(ires)
  end
  local chunks
  if why then
    chunks = { report.why(res, why) }
  elseif args.format == "json" then
    chunks = report.json_chunks(res, { explain = args.explain })
  else
    chunks = { report.text(res, { colour = use_colour(args), explain = args.explain }) }
  end
  if args.output then
    local wok, werr = core.write_atomic(args.output, chunks)
    if not wok then return fail(werr) end
  else
    for _, chunk in ipairs(chunks) do io.stdout:write(chunk) end
  end
  return #res:failures() > 0 and 2 or 0
end

--- Runs the command line; returns the exit status.  Unexpected errors become
--- one line on stderr (KLP_DEBUG=1 shows the traceback).
function M.main(argv)
  local ok, status = xpcall(run, function(e)
    if os.getenv("KLP_DEBUG") then return debug.traceback(e, 2) end
    return e
  end, argv)
  if ok then return status end
  return fail("internal error: " .. tostring(status))
end

return M
