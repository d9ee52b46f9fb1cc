-- Appended by tests/lsp/test_nvim.py to the Neovim snippet of lsp_server/README.md: wait for
-- diagnostics, ask for one hover, run the ▶ Run lens of `main` as a user would, write what
-- came back as JSON and quit.
local out = os.getenv("EPIC_NVIM_OUT")
local line = tonumber(os.getenv("EPIC_NVIM_HOVER_LINE"))
local character = tonumber(os.getenv("EPIC_NVIM_HOVER_CHAR"))

local messages = {}
local show_message = vim.lsp.handlers["window/showMessage"]
vim.lsp.handlers["window/showMessage"] = function(err, result, ctx, config)
  table.insert(messages, result.message)
  return show_message(err, result, ctx, config)
end

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
  -- The lenses the snippet's autocommands ask for; then the first ▶ Run, as <leader>r does.
  vim.wait(20000, function() return #vim.lsp.codelens.get(0) > 0 end, 50)
  for _, lens in ipairs(vim.lsp.codelens.get(0)) do
    if lens.command and lens.command.title == "▶ Run" then
      vim.lsp.buf.execute_command(lens.command)
      break
    end
  end
  vim.wait(60000, function() return #messages > 0 end, 50)
  result.messages = messages
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
