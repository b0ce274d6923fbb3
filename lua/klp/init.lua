-- klp: correlate the symbols of an original and a patched kernel object.
--
--   local klp = require "klp"
--   local orig = assert(klp.open("orig.o"))
--   local patched = assert(klp.open("patched.o"))
--   local result = assert(klp.correlate(orig, patched))      -- default policy
--   for o, p, rule in result:pairs(true) do print(o.name, p.name, rule) end
local core = require "klp.core"
local engine = require "klp.engine"
local policy = require "klp.policy"

local klp = {
  version = core.version,
  policy = policy,
  passes = require "klp.passes",
  suffix = require "klp.suffix",
}

--- Opens an ELF file: returns a klp.elf handle, or nil and "path: problem".
function klp.open(path)
  return core.open(path)
end

-- Refuses to correlate objects of different class, byte order or machine.
local function check_compatible(a, b)
  local ia, ib = a:info(), b:info()
  for _, field in ipairs { "class", "endian", "machine" } do
    if ia[field] ~= ib[field] then
      return nil, ("%s: ELF %s %s does not match %s (%s)")
        :format(ib.path, field, tostring(ib[field]), ia.path, tostring(ia[field]))
    end
  end
  return true
end

--- Correlates two open ELF files with a policy (a preset name, a policy table
--- or a policy file path; default "default").  opts.watch: names or keys whose
--- symbols are traced (result:trace(), klp.report.why).  Returns a result, or nil and a
--- message when the inputs do not fit together or the policy is invalid.
function klp.correlate(orig, patched, spec, opts)
  local ok, err = check_compatible(orig, patched)
  if not ok then return nil, err end
  local p, perr = policy.resolve(spec)
  if not p then return nil, perr end
  return engine.run(p, core.correlator(orig, patched), opts)
end

--- Takes a result's sympos from the linked image at path (vmlinux): kallsyms
--- orders same-named symbols by address.  Returns true, or nil and a message.
function klp.use_image(res, path)
  local image, err = klp.open(path)
  if not image then return nil, err end
  local ires, ierr = klp.correlate(res.orig, image)
  if not ires then return nil, ierr end
  res:set_sympos_image(ires)
  return true
end

return klp
