/* hako-stub-blob.S - the static hako-stub, embedded in libhako as bytes
 * (core/stub.c copies them into a sealed memfd). */
	.section .rodata
	.balign 16
	.globl hk_stub_blob
	.type hk_stub_blob, @object
hk_stub_blob:
	.incbin HK_STUB_BIN
	.globl hk_stub_blob_end
hk_stub_blob_end:
	.balign 8
	.globl hk_stub_blob_size
	.type hk_stub_blob_size, @object
hk_stub_blob_size:
	.quad hk_stub_blob_end - hk_stub_blob
	.section .note.GNU-stack,"",%progbits
