// want 8 //go:cgo_*
// want 11 //go:norace
// want 16 //go:embed
// want 19 //go:norace
package p

/*go:linkname in a block comment is not a directive */
//go:cgo_import_dynamic libc_read read "libc.so.6"
// go:linkname with a space is not a directive either

//go:norace
func racy() {}

func f() {
	x := 1
	_ = x //go:embed anywhere
}

//go:norace
func vt() {}
