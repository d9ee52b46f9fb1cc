-- A minimal Neovim 0.7 configuration: attach the EPIC language server to *.epic buffers,
-- wait for diagnostics, ask for one hover, write what came back as JSON and quit.
local out = os.getenv("EPIC_NVIM_OUT")
local line = tonumber(os.getenv("EPIC_NVIM_HOVER_LINE"))
local character = tonumber(os.getenv("EPIC_NVIM_HOVER_CHAR"))

vim.cmd([[autocmd BufRead,BufNewFile *.epic setfiletype epic]])

function EpicAttach()
  local id = vim.lsp.start_client({
    name = "epic",
    cmd = { os.getenv("EPIC_PYTHON"), "-m", "lsp_server" },
    root_dir = vim.fn.getcwd(),
  })
  vim.lsp.buf_attach_client(0, id)
end

vim.cmd([[autocmd FileType epic lua EpicAttach()]])

local function probe()
  local result = { diagnostics = {} }
  vim.wait(30000, function() return #vim.diagnostic.get(0) > 0 end, 50)
  for _, d in ipairs(vim.diagnostic.get(0)) do
    local code = d.user_data and d.user_data.lsp and d.user_data.lsp.code or d.code
    table.insert(result.diagnostics, {
      lnum = d.lnum, col = d.col, message = d.message, severity = d.severity, code = code,
    })
  end
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(0) },
    position = { line = line, character = character },
  }
  local responses = vim.lsp.buf_request_sync(0, "textDocument/hover", params, 20000)
  for _, response in pairs(responses or {}) do
    if response.result and response.result.contents then
      result.hover = response.result.contents.value
    end
  end
  return result
end

vim.api.nvim_create_autocmd("VimEnter", {
  callback = function()
    local ok, result = pcall(probe)
    if not ok then
      result = { error = tostring(result) }
    end
    vim.fn.writefile({ vim.fn.json_encode(result) }, out)
    vim.cmd("qa!")
  end,
})
