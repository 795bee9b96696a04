package runtime

import "unsafe"

// uintptrOf passes a pointer to a system call.
func uintptrOf(p *int32) uintptr { return uintptr(unsafe.Pointer(p)) }
