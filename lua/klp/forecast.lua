-- klp.forecast: what LLVM 23's suffix reduction would do to an object's
-- promoted statics.
--
-- With `--lto-whole-program-visibility -mllvm -always-rename-promoted-locals=false`
-- the ThinLTO link first collects the names of every definition with
-- external linkage in its summary index, then lets each promoted local take
-- its plain name when nobody has claimed it yet; the others keep
-- `.llvm.<module hash>`.  So, from an object built without the option (where
-- every promoted static still carries its suffix):
--   * a promoted static whose plain name nothing else uses takes it;
--   * promoted statics sharing a plain name: one takes it, the rest keep the
--     suffix, and only LLVM's index order says which (the seed's m_stop);
--   * a plain name that already names a global or weak definition: LLVM keeps
--     the suffix when that definition is LTO code; when it is assembly (not
--     in the index) the static takes the name anyway and the link fails with
--     a duplicate symbol, or silently overrides a weak definition.  lld
--     compiles LTO code with a section per symbol (.text.NAME, .bss.NAME),
--     so a definition in a section of its own is taken for LTO code and any
--     other for assembly;
--   * a plain name the object references but does not define: LLVM does not
--     see the reference either, and it would bind to the static.
-- Local statics of the same name stay local, but in a module that imports
-- the plain-named symbol the IR linker renames them to `name.<N>`.
local suffix = require "klp.suffix"
local lpeg = require "lpeg"
local default_policy = require "klp.presets.default"

local M = {}

M.FORMAT = "klp-forecast/1"

--- The verdicts, most serious first.
M.VERDICTS = { "clash", "capture", "contested", "suffixed", "plain" }

-- plain name and hash of a promoted name, from the suffix rule that marks a
-- translation unit ("tu": .llvm.<hash>).
local function promoted_pattern()
  for _, rule in ipairs(suffix.default_suffixes) do
    if rule.action == "tu" then
      local tail = rule.pattern * -1
      return lpeg.C((1 - tail) ^ 1) * tail
    end
  end
  error("klp.suffix has no translation-unit rule")
end

local PROMOTED = promoted_pattern()

-- Whether a definition sits in a section of its own (.text.NAME), as the
-- code lld compiles for LTO does.
local function own_section(sym)
  local sec = sym.section
  return sec ~= nil and #sec > #sym.name + 1 and sec:sub(-#sym.name - 1) == "." .. sym.name
end

local function brief(sym)
  local b = { index = sym.index, name = sym.name, bind = sym.bind, type = sym.type, defined = sym.defined,
              section = sym.section }
  if sym.defined then b.own_section = own_section(sym) end
  return b
end

-- Names klp never correlates by prefix (__pfx_/__cfi_ companions, which
-- follow their function's name, labels): no forecast of their own.
local function ignored(name)
  for _, prefix in ipairs(default_policy.exclude.prefixes) do
    if name:sub(1, #prefix) == prefix then return true end
  end
  return false
end

-- The promoted statics of elf: {sym, plain, hash} in symtab order.
local function promoted(elf)
  local out = {}
  for _, i in ipairs(elf:names_containing(".llvm.")) do
    local sym = elf:symbol(i)
    local plain, hash = PROMOTED:match(sym.name)
    if plain and sym.defined and not ignored(sym.name)
       and (sym.type == "func" or sym.type == "object" or sym.type == "notype") then
      out[#out + 1] = { sym = sym, plain = plain, hash = hash }
    end
  end
  return out
end

--- Analyses an open klp.elf.  Returns {object = elf:info(), symbols = {row...},
--- summary = {...}}; a row is {index, name, plain, hash, type, bind, verdict,
--- contested_with = {index...}, collides_with = {brief...}, captures =
--- {brief...}, same_named_locals = {{index, file}...}} in symtab order; a
--- brief is {index, name, bind, type, defined, section, own_section}.
function M.analyse(elf)
  local list = promoted(elf)
  local plains, by_plain = {}, {}
  for _, p in ipairs(list) do
    if not by_plain[p.plain] then
      by_plain[p.plain] = {}
      plains[#plains + 1] = p.plain
    end
    table.insert(by_plain[p.plain], p.sym.index)
  end
  local named = elf:named(plains)
  local summary = { promoted = #list, functions = 0, data = 0, other = 0, clash = 0, capture = 0, contested = 0,
                    contested_names = 0, suffixed = 0, plain = 0, with_same_named_locals = 0 }
  local rows, counted = {}, {}
  for _, p in ipairs(list) do
    local sym = p.sym
    local row = { index = sym.index, name = sym.name, plain = p.plain, hash = p.hash, type = sym.type,
                  bind = sym.bind, contested_with = {}, collides_with = {}, captures = {}, same_named_locals = {} }
    for _, other in ipairs(by_plain[p.plain]) do
      if other ~= sym.index then row.contested_with[#row.contested_with + 1] = other end
    end
    for _, i in ipairs(named[p.plain] or {}) do
      local s = elf:symbol(i)
      if s.bind == "local" then
        if s.type == "func" or s.type == "object" then
          row.same_named_locals[#row.same_named_locals + 1] = { index = i, file = s.file }
        end
      elseif s.defined then
        row.collides_with[#row.collides_with + 1] = brief(s)
      else
        row.captures[#row.captures + 1] = brief(s)
      end
    end
    local asm_like = false
    for _, b in ipairs(row.collides_with) do asm_like = asm_like or not b.own_section end
    row.verdict = asm_like and "clash" or #row.captures > 0 and "capture"
      or #row.contested_with > 0 and #row.collides_with == 0 and "contested"
      or #row.collides_with > 0 and "suffixed" or "plain"
    summary[row.verdict] = summary[row.verdict] + 1
    if row.verdict == "contested" and not counted[p.plain] then
      counted[p.plain] = true
      summary.contested_names = summary.contested_names + 1
    end
    local kind = sym.type == "func" and "functions" or sym.type == "object" and "data" or "other"
    summary[kind] = summary[kind] + 1
    if #row.same_named_locals > 0 then summary.with_same_named_locals = summary.with_same_named_locals + 1 end
    rows[#rows + 1] = row
  end
  return { object = elf:info(), symbols = rows, summary = summary }
end

return M
