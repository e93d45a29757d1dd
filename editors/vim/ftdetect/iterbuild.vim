" Iterbuild: *.ib files are Iterbuild programs.
autocmd BufRead,BufNewFile *.ib setfiletype iterbuild
