module go-guide-wasm

go 1.24
