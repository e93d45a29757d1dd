" Vim syntax file
" Language:    Iterbuild (.ib), docs/guide.md §2
" Maintainer:  the Iterbuild authors
"
" Keywords, the soft keywords `type`/`experiment`/`sweep`/`search` (only at the start of a
" top-level declaration, before a name), a search's `maximize`/`minimize FIELD trials N seed N`, `(impure)`, strings with Python's escapes (an unknown escape is
" an error), numbers as in Python (with `_`), comments, operators, built-in types and
" CamelCase names (types and Python classes by convention; `X` and `X_train` are values).

if exists("b:current_syntax")
  finish
endif

let s:cpo_save = &cpo
set cpo&vim

syn keyword iterbuildInclude      from import as
syn keyword iterbuildKeyword      return with in if else
syn keyword iterbuildDefine       def nextgroup=iterbuildFunction skipwhite
syn keyword iterbuildLambda       fn
syn keyword iterbuildOperatorWord and or not
syn keyword iterbuildConstant     True False None
syn keyword iterbuildBuiltinType  Int Float Str Bool File Any List Dict Tuple Optional
syn keyword iterbuildTodo         TODO FIXME XXX NOTE contained

" Names: a `def`'s, a declared type's, an experiment's or sweep's.
syn match iterbuildFunction "\h\w*" contained
syn match iterbuildTypeName "\h\w*" contained
syn match iterbuildType     "\<\u[A-Za-z0-9]\+\>"

" Soft keywords: at the start of a line, outside any indentation, when a name follows.
syn match iterbuildDeclaration "^type\ze[ \t]\+\h"
      \ nextgroup=iterbuildTypeName skipwhite
syn match iterbuildDeclaration "^\%(experiment\|sweep\|search\)\ze[ \t]\+\h"
      \ nextgroup=iterbuildFunction skipwhite

" A search's tail: `maximize FIELD.PATH trials N seed N` (those words are names elsewhere).
syn match iterbuildSearchWord
      \ "\<\%(maximize\|minimize\)\ze\s\+\h\w*\%(\.\h\w*\)*\s\+trials\s\+\d"
syn match iterbuildSearchWord
      \ "\%(\<\%(maximize\|minimize\)\s\+\h\w*\%(\.\h\w*\)*\s\+\)\@<=trials\ze\s\+\d"
syn match iterbuildSearchWord "\%(\<trials\s\+\d\+\s\+\)\@<=seed\ze\s\+\d"

" `name (impure)` in an import: never cached.
syn match iterbuildImpure "(\s*\zsimpure\ze\s*)"

syn match iterbuildOperator "|>\|=>\|->\|<:\|\*\*\|//\|==\|!=\|<=\|>=\|\.\.\.\|[=@+\-*/%<>]"

syn match iterbuildComment "#.*$" contains=iterbuildTodo,@Spell

" Strings: one line, `"…"` or `'…'`; the error is defined first so a valid escape wins.
syn match  iterbuildEscapeError +\\.+ contained
syn match  iterbuildEscape
      \ +\\\%([\\'"abfnrtv]\|\o\{1,3}\|x\x\{2}\|u\x\{4}\|U\x\{8}\|N{[^}]\+}\)+ contained
syn region iterbuildString start=+"+ skip=+\\\\\|\\"+ end=+"+ oneline
      \ contains=iterbuildEscapeError,iterbuildEscape,@Spell
syn region iterbuildString start=+'+ skip=+\\\\\|\\'+ end=+'+ oneline
      \ contains=iterbuildEscapeError,iterbuildEscape,@Spell

" Numbers as in Python (after Vim's python.vim).
syn match iterbuildNumber "\<0[xX]\%(_\=\x\)\+\>"
syn match iterbuildNumber "\<0[oO]\%(_\=\o\)\+\>"
syn match iterbuildNumber "\<0[bB]\%(_\=[01]\)\+\>"
syn match iterbuildNumber "\<\d\%(_\=\d\)*\>"
syn match iterbuildFloat  "\<\d\%(_\=\d\)*\.\%([eE][+-]\=\d\%(_\=\d\)*\)\=\%(\W\|$\)\@="
syn match iterbuildFloat
      \ "\w\@1<!\%(\d\%(_\=\d\)*\)\=\.\d\%(_\=\d\)*\%([eE][+-]\=\d\%(_\=\d\)*\)\=\>"
syn match iterbuildFloat  "\<\d\%(_\=\d\)*[eE][+-]\=\d\%(_\=\d\)*\>"

hi def link iterbuildInclude      Include
hi def link iterbuildKeyword      Keyword
hi def link iterbuildDefine       Keyword
hi def link iterbuildLambda       Keyword
hi def link iterbuildDeclaration  Keyword
hi def link iterbuildSearchWord   Keyword
hi def link iterbuildOperatorWord Operator
hi def link iterbuildOperator     Operator
hi def link iterbuildConstant     Constant
hi def link iterbuildBuiltinType  Type
hi def link iterbuildType         Type
hi def link iterbuildTypeName     Type
hi def link iterbuildFunction     Function
hi def link iterbuildImpure       StorageClass
hi def link iterbuildComment      Comment
hi def link iterbuildTodo         Todo
hi def link iterbuildString       String
hi def link iterbuildEscape       SpecialChar
hi def link iterbuildEscapeError  Error
hi def link iterbuildNumber       Number
hi def link iterbuildFloat        Float

let b:current_syntax = "iterbuild"

let &cpo = s:cpo_save
unlet s:cpo_save
