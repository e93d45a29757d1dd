" Vim filetype plugin for Iterbuild (.ib): comments, indentation, `:make` runs `ibc check`.

if exists("b:did_ftplugin")
  finish
endif
let b:did_ftplugin = 1

let s:cpo_save = &cpo
set cpo&vim

" `#` comments (gc/`gcc` of commentary plugins, `gq` of comment paragraphs).
setlocal comments=:# commentstring=#\ %s
setlocal formatoptions-=t formatoptions+=croql
" Tabs in indentation are an error (docs/errors.md E0113): indent `def` bodies with spaces.
setlocal expandtab shiftwidth=4 softtabstop=4 tabstop=8
" `gf` on `import "common.ib"` and on module names.
setlocal suffixesadd=.ib,.py
setlocal iskeyword=@,48-57,_

" `:make` checks the file; the quickfix list gets each diagnostic's file, line and column.
let &l:makeprg = 'ibc check %:S'
let &l:errorformat = join([
      \ '%Eerror[%*[A-Z0-9]]: %m',
      \ '%Wwarning[%*[A-Z0-9]]: %m',
      \ '%C %#--> %f:%l:%c',
      \ '%C %#= %m',
      \ '%-C%.%#',
      \ '%-G%.%#',
      \ ], ',')

let b:undo_ftplugin = "setlocal comments< commentstring< formatoptions< expandtab<"
      \ . " shiftwidth< softtabstop< tabstop< suffixesadd< iskeyword< makeprg< errorformat<"

let &cpo = s:cpo_save
unlet s:cpo_save
