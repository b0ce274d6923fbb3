-- klp.tree: compare two whole build trees object by object.
--
--   local tree = require "klp.tree"
--   local t = assert(tree.compare("orig-build", "patched-build", { jobs = 2 }))
--   for _, obj in ipairs(t.objects) do print(obj.path, obj.status) end
--
-- Objects pair by path relative to their tree root.  Byte-identical pairs are
-- only listed; the others are correlated with the policy in worker processes
-- (core.run_jobs, even with one job) and come back as plain records, so that
-- a crash in one object costs that object only.
local lfs = require "lfs"
local cjson = require "cjson"
local core = require "klp.core"
local glob = require "klp.glob"
local policy = require "klp.policy"
local result = require "klp.result"

local M = {}

M.FORMAT = "klp-tree/1"

--- What tree mode compares when no --include is given.
M.DEFAULT_INCLUDE = { "*.o", "*.ko" }

-- LLVM bitcode: the raw magic and the wrapper magic.  ThinLTO builds leave
-- one per translation unit; only the linked object holds machine code.
local BITCODE = { ["BC\192\222"] = true, ["\222\192\023\011"] = true }

local function join(root, rel)
  return rel == "" and root or root .. "/" .. rel
end

-- Walks root depth first; calls add(rel) for every regular file (or symlink
-- to one) that keep(rel) accepts, and fail(rel, message) for a directory it
-- cannot read.  Directories prune(rel) accepts are not entered, nor are
-- symlinked ones, so that a link back up the tree cannot loop.
local function walk(root, rel, filter, add, fail)
  local dir = join(root, rel)
  local ok, iter, state = pcall(lfs.dir, dir)
  if not ok then
    fail(rel, ("%s: cannot read directory: %s"):format(dir, tostring(iter):gsub("^.-: ", "")))
    return
  end
  local names = {}
  for name in iter, state do
    if name ~= "." and name ~= ".." then names[#names + 1] = name end
  end
  table.sort(names)
  for _, name in ipairs(names) do
    local sub = rel == "" and name or rel .. "/" .. name
    local path = join(root, sub)
    local mode = lfs.symlinkattributes(path, "mode")
    if mode == "link" then mode = lfs.attributes(path, "mode") == "file" and "file" or "skip" end
    if mode == "directory" and not filter.prune(sub) then
      walk(root, sub, filter, add, fail)
    elseif mode == "file" and filter.keep(sub) then
      add(sub)
    end
  end
end

--- The relative paths of the files under root that filter.keep(rel)
--- accepts, sorted bytewise, and the directories that could not be read
--- ({path, error}); filter.prune(dir) skips whole directories.  Returns nil
--- and a message when root itself is not a readable directory.
function M.scan(root, filter)
  if lfs.attributes(root, "mode") ~= "directory" then
    return nil, root .. ": not a directory"
  end
  local list, errors = {}, {}
  walk(root, "", filter, function(rel) list[#list + 1] = rel end,
    function(rel, msg) errors[#errors + 1] = { path = rel, error = msg } end)
  if errors[1] and errors[1].path == "" then return nil, errors[1].error end
  table.sort(list)
  return list, errors
end

--- Pairs two sorted path lists: returns both, orig_only, patched_only.
function M.plan(orig_list, patched_list)
  local both, orig_only, patched_only = {}, {}, {}
  local i, j = 1, 1
  while i <= #orig_list or j <= #patched_list do
    local a, b = orig_list[i], patched_list[j]
    if a and (not b or a < b) then
      orig_only[#orig_only + 1] = a; i = i + 1
    elseif b and (not a or b < a) then
      patched_only[#patched_only + 1] = b; j = j + 1
    else
      both[#both + 1] = a; i, j = i + 1, j + 1
    end
  end
  return both, orig_only, patched_only
end

local function is_bitcode(path)
  local f = io.open(path, "rb")
  if not f then return false end
  local magic = f:read(4)
  f:close()
  return magic ~= nil and BITCODE[magic] == true
end

local function summary_of(res)
  local s = res:summary()
  return {
    pairs = s.pairs, orig_only = s.orig_only, patched_only = s.patched_only, ambiguous = s.ambiguous,
    positional = s.positional, clone_changes = s.clone_changes,
  }
end

-- Compares one object pair; returns the record (a table) and, with
-- ctx.document, the object's document.  ctx: {orig_root, patched_root,
-- policy, klp, document, vmlinux}.
local function compare_one(ctx, rel)
  local a, b = join(ctx.orig_root, rel), join(ctx.patched_root, rel)
  local same, serr = core.same_contents(a, b)
  if same == nil then return { path = rel, status = "error", error = serr } end
  if same then return { path = rel, status = "identical" } end
  if is_bitcode(a) or is_bitcode(b) then
    return { path = rel, status = "skipped", reason = "LLVM bitcode: compare the linked object (vmlinux.o, the module) instead" }
  end
  local klp = ctx.klp
  local orig, oerr = klp.open(a)
  if not orig then return { path = rel, status = "error", error = oerr } end
  local patched, perr = klp.open(b)
  if not patched then orig:close(); return { path = rel, status = "error", error = perr } end
  local res, cerr = klp.correlate(orig, patched, ctx.policy)
  local record, doc
  if not res then
    record = { path = rel, status = "error", error = cerr }
  else
    local ok, ierr = true, nil
    if ctx.vmlinux and rel:match("[^/]*$") == "vmlinux.o" then ok, ierr = klp.use_image(res, ctx.vmlinux) end
    if not ok then
      record = { path = rel, status = "error", error = ierr }
    else
      local compared, uncompared = res:compares_content()
      record = {
        path = rel, status = "compared", summary = summary_of(res), changes = res:change_rows(),
        compares_content = compared, uncompared = uncompared, failures = res:failures(), caveats = res:caveats(),
      }
      if ctx.document then doc = ctx.document(res) end
    end
  end
  orig:close()
  patched:close()
  return record, doc
end

-- A record travels from a worker as one line of JSON, then the document.
local function encode(record, doc)
  return cjson.encode(record) .. "\n" .. (doc or "")
end

-- lua-cjson decodes every number as a float; records hold only integers.
local function integers(v)
  if type(v) == "number" then return math.tointeger(v) or v end
  if type(v) == "table" then
    for k, x in pairs(v) do v[k] = integers(x) end
  end
  return v
end

local function decode(s)
  local nl = s:find("\n", 1, true)
  local record = integers(cjson.decode(s:sub(1, nl - 1)))
  local doc = s:sub(nl + 1)
  return record, doc ~= "" and doc or nil
end

local function file_size(path)
  return lfs.attributes(path, "size") or 0
end

-- Closed ELF handles and correlators keep their C arrays until the collector
-- finalizes them, and the collector cannot see that memory: a full cycle
-- after every GC_BYTES of input compared keeps a long run's footprint flat.
local GC_BYTES = 64 * 1024 * 1024
local compared_since_gc = 0

local function account(bytes)
  compared_since_gc = compared_since_gc + bytes
  if compared_since_gc >= GC_BYTES then
    compared_since_gc = 0
    collectgarbage()
  end
end

local function totals(t)
  local s = {
    objects = #t.objects + #t.identical + #t.skipped + #t.orig_only + #t.patched_only, compared = 0, errors = 0,
    rejected = 0, caveats = 0,
    identical = #t.identical, orig_only = #t.orig_only, patched_only = #t.patched_only, skipped = #t.skipped,
    pairs = 0, changed_functions = 0, line_functions = 0, new_functions = 0, removed_functions = 0,
    changed_data = 0, line_data = 0,
  }
  for _, obj in ipairs(t.objects) do
    if obj.status == "error" then
      s.errors = s.errors + 1
    else
      s.compared = s.compared + 1
      s.pairs = s.pairs + obj.summary.pairs
      if #obj.failures > 0 then s.rejected = s.rejected + 1 end
      if #obj.caveats > 0 then s.caveats = s.caveats + 1 end
      for _, kind in ipairs(result.CHANGE_KINDS) do s[kind] = s[kind] + #obj.changes[kind] end
    end
  end
  return s
end

--- Compares the trees under orig_root and patched_root.  opts: policy
--- (spec, default "default"), include and exclude (glob lists; include
--- defaults to M.DEFAULT_INCLUDE), jobs (worker processes, default the
--- number of processors), document (function(result) -> string: what to
--- keep of each compared object, rendered in its worker, such as its
--- version-1 JSON document), vmlinux (linked image for vmlinux.o's sympos),
--- progress (function(done, total, path)).
--- Returns {orig_root, patched_root, policy, objects = {record...},
--- identical = {path...}, orig_only, patched_only, skipped = {{path, reason}},
--- summary}, or nil and a message (unreadable root, bad glob, bad policy).
function M.compare(orig_root, patched_root, opts)
  opts = opts or {}
  local p, perr = policy.resolve(opts.policy)
  if not p then return nil, perr end
  local keep, prune = glob.filter(opts.include or M.DEFAULT_INCLUDE, opts.exclude or {})
  if not keep then return nil, prune end
  local filter = { keep = keep, prune = prune }
  local orig_list, orig_errors = M.scan(orig_root, filter)
  if not orig_list then return nil, orig_errors end
  local patched_list, patched_errors = M.scan(patched_root, filter)
  if not patched_list then return nil, patched_errors end
  local both, orig_only, patched_only = M.plan(orig_list, patched_list)

  -- Largest first, so that a big object (vmlinux.o) does not start last.
  local order, size = {}, {}
  for i, rel in ipairs(both) do
    order[i] = rel
    size[rel] = file_size(join(orig_root, rel)) + file_size(join(patched_root, rel))
  end
  table.sort(order, function(x, y)
    if size[x] ~= size[y] then return size[x] > size[y] end
    return x < y
  end)

  local ctx = {
    orig_root = orig_root, patched_root = patched_root, policy = p, klp = require "klp",
    document = opts.document, vmlinux = opts.vmlinux,
  }
  local records, done = {}, 0
  core.run_jobs(opts.jobs or math.min(core.cpu_count(), 1024), #order, function(i)
    local s = encode(compare_one(ctx, order[i]))
    account(size[order[i]])
    return s
  end, function(i, ok, s)
    local record, doc
    if ok then
      record, doc = decode(s)
    else
      record = { path = order[i], status = "error", error = join(orig_root, order[i]) .. ": " .. s }
    end
    record.document = doc
    records[order[i]] = record
    done = done + 1
    if opts.progress then opts.progress(done, #order, order[i]) end
  end)

  local t = {
    orig_root = orig_root, patched_root = patched_root, policy = p.name,
    objects = {}, identical = {}, orig_only = orig_only, patched_only = patched_only, skipped = {},
  }
  -- Unreadable directories are errors of their own; what they hold is unknown.
  local unreadable = {}
  for _, errs in ipairs { orig_errors, patched_errors } do
    for _, e in ipairs(errs) do
      if not unreadable[e.path] then
        unreadable[e.path] = true
        records[e.path] = { path = e.path, status = "error", error = e.error }
        both[#both + 1] = e.path
      end
    end
  end
  table.sort(both)
  for _, rel in ipairs(both) do
    local r = records[rel]
    if r.status == "identical" then
      t.identical[#t.identical + 1] = rel
    elseif r.status == "skipped" then
      t.skipped[#t.skipped + 1] = { path = rel, reason = r.reason }
    else
      t.objects[#t.objects + 1] = r
    end
  end
  t.summary = totals(t)
  return t
end

--- The exit status for a tree: 1 when an object could not be compared, 2
--- when the policy rejected an object's result, else 0.
function M.status(t)
  if t.summary.errors > 0 then return 1 end
  if t.summary.rejected > 0 then return 2 end
  return 0
end

return M
