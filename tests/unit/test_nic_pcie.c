/* test_nic_pcie.c - PCIe link decoding from saved config-space dumps, sane and hostile. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "drivers/nic_pcie.h"

/*
 * The article's card at 01:00.0: 15b3:673c rev b0, class 0c0600
 * (InfiniBand), capabilities [40] Power Management -> [48] VPD -> [9c]
 * MSI-X -> [60] Express Endpoint.  LnkCap "Port #8, Speed 5GT/s, Width x8,
 * ASPM L0s, Exit Latency L0s unlimited, L1 unlimited" and LnkSta "Speed
 * 5GT/s, Width x4" as quoted; DevCap MaxPayload 256 and DevCtl MaxPayload
 * 128 / MaxReadReq 512 are typical values for this card, not from the article.
 */
static const uint8_t connectx2_cfg[256] = {
	/* 0x00 */ 0xb3,
	0x15,
	0x3c,
	0x67,
	0x06,
	0x04,
	0x10,
	0x00,
	/* 0x08 */ 0xb0,
	0x00,
	0x06,
	0x0c,
	0x10,
	0x00,
	0x00,
	0x00,
	/* 0x10 */ 0x04,
	0x00,
	0x80,
	0xd2,
	0x00,
	0x00,
	0x00,
	0x00,
	/* 0x18 */ 0x0c,
	0x00,
	0x80,
	0xd0,
	0x00,
	0x00,
	0x00,
	0x00,
	/* 0x2c */[0x2c] = 0xb3,
	0x15,
	0x22,
	0x00,
	/* 0x34 */[0x34] = 0x40,
	/* 0x3c */[0x3c] = 0x0b,
	0x01,
	/* PM */[0x40] = 0x01,
	0x48,
	0x03,
	0x00,
	0x08,
	0x00,
	0x00,
	0x00,
	/* VPD */[0x48] = 0x03,
	0x9c,
	0x00,
	0x00,
	0x00,
	0x00,
	0x00,
	0x00,
	/* PCIe: flags v2 endpoint, DevCap MPS 256, DevCtl 0x2810: MPS 128, MRRS 512 */
	[0x60] = 0x10,
	0x00,
	0x02,
	0x00,
	[0x64] = 0x01,
	0x8e,
	0x00,
	0x00, /* DevCap */
	[0x68] = 0x10,
	0x28,
	0x00,
	0x00, /* DevCtl, DevSta */
	[0x6c] = 0x82,
	0xf4,
	0x03,
	0x08, /* LnkCap 0x0803f482: port 8, L0s+L1 unlimited, x8, 5GT/s */
	[0x70] = 0x00,
	0x00,
	0x42,
	0x00, /* LnkCtl, LnkSta 0x0042: x4, 5GT/s */
	/* MSI-X */[0x9c] = 0x11,
	0x60,
	0x7f,
	0x80,
};

static void test_connectx2_dump(void **state)
{
	struct nic_pcie_info in;
	const struct nic_pcie_model *m;

	(void)state;
	assert_int_equal(nic_pcie_parse(connectx2_cfg, sizeof(connectx2_cfg), &in), 0);
	assert_int_equal(in.vendor, 0x15b3);
	assert_int_equal(in.device, 0x673c);
	assert_int_equal(in.revision, 0xb0);
	assert_int_equal(in.class_code, 0x0c0600);
	assert_int_equal(in.subsys_vendor, 0x15b3);
	assert_int_equal(in.subsys_device, 0x0022);
	assert_int_equal(in.cap_offset, 0x60);
	assert_int_equal(in.cap_version, 2);
	assert_int_equal(in.port_type, 0);
	assert_int_equal(in.devcap_mps, 256);
	assert_int_equal(in.devctl_mps, 128);
	assert_int_equal(in.devctl_mrrs, 512);
	assert_int_equal(in.lnkcap_speed, 2);
	assert_int_equal(in.lnkcap_width, 8);
	assert_int_equal(in.lnkcap_port, 8);
	assert_int_equal(in.lnksta_speed, 2);
	assert_int_equal(in.lnksta_width, 4);

	m = nic_pcie_model_lookup(in.vendor, in.device);
	assert_non_null(m);
	assert_string_equal(m->family, "ConnectX/ConnectX-2");
	assert_non_null(strstr(m->name, "MT25408A0-FCC-QI ConnectX, Dual Port 40Gb/s"));
	assert_string_equal(m->driver, "mlx4_core");
}

static void test_model_names(void **state)
{
	(void)state;
	assert_string_equal(nic_pcie_model_lookup(0x15b3, 0x1003)->family, "ConnectX-3");
	assert_string_equal(nic_pcie_model_lookup(0x15b3, 0x1007)->family, "ConnectX-3 Pro");
	assert_string_equal(nic_pcie_model_lookup(0x15b3, 0x1011)->family, "Connect-IB");
	assert_string_equal(nic_pcie_model_lookup(0x15b3, 0x1013)->family, "ConnectX-4");
	assert_string_equal(nic_pcie_model_lookup(0x15b3, 0x1015)->family, "ConnectX-4 Lx");
	assert_string_equal(nic_pcie_model_lookup(0x15b3, 0x1017)->family, "ConnectX-5");
	assert_string_equal(nic_pcie_model_lookup(0x15b3, 0x1017)->driver, "mlx5_core");
	assert_string_equal(nic_pcie_model_lookup(0x15b3, 0x6750)->family, "ConnectX-2");
	assert_string_equal(nic_pcie_model_lookup(0x15b3, 0x676e)->family, "ConnectX-2");
	assert_string_equal(nic_pcie_model_lookup(0x15b3, 0x6340)->family, "ConnectX");
	assert_string_equal(nic_pcie_model_lookup(0x15b3, 0x634a)->family, "ConnectX");
	assert_non_null(strstr(nic_pcie_model_lookup(0x15b3, 0x6732)->name, "FCC-GI"));
	assert_null(nic_pcie_model_lookup(0x15b3, 0xbeef));
	assert_null(nic_pcie_model_lookup(0x8086, 0x1003)); /* right id, wrong vendor */
}

static void test_truncated_64_bytes(void **state)
{
	struct nic_pcie_info in;

	(void)state;
	/* what a non-root reader of /sys/bus/pci/devices/.../config gets */
	assert_int_equal(nic_pcie_parse(connectx2_cfg, 64, &in), -ENODATA);
	assert_int_equal(in.vendor, 0x15b3); /* the header is still usable */
	assert_int_equal(in.device, 0x673c);
	assert_int_equal(in.lnksta_width, 0);
	assert_non_null(strstr(nic_pcie_strerror(-ENODATA), "root"));
	/* the list runs 0x40 -> 0x48 -> 0x9c -> 0x60: MSI-X must be inside the dump */
	assert_int_equal(nic_pcie_parse(connectx2_cfg, 0x9d, &in), -ENODATA);
	assert_int_equal(nic_pcie_parse(connectx2_cfg, 0x9e, &in), 0);
	assert_int_equal(in.lnksta_width, 4);
	assert_int_equal(nic_pcie_parse(connectx2_cfg, 63, &in), -EINVAL);
	assert_int_equal(nic_pcie_parse(NULL, 256, &in), -EINVAL);
}

static void test_capability_loop(void **state)
{
	uint8_t cfg[256];
	struct nic_pcie_info in;

	(void)state;
	memcpy(cfg, connectx2_cfg, sizeof(cfg));
	cfg[0x9d] = 0x40; /* MSI-X -> back to PM */
	cfg[0x60] = 0x05; /* and the PCIe cap is no longer reachable anyway */
	assert_int_equal(nic_pcie_parse(cfg, sizeof(cfg), &in), -ELOOP);
	/* a capability pointing at itself */
	memcpy(cfg, connectx2_cfg, sizeof(cfg));
	cfg[0x41] = 0x40;
	assert_int_equal(nic_pcie_parse(cfg, sizeof(cfg), &in), -ELOOP);
	/* reserved low bits must not defeat the loop check: 0x43 is 0x40 */
	cfg[0x41] = 0x43;
	assert_int_equal(nic_pcie_parse(cfg, sizeof(cfg), &in), -ELOOP);
}

static void test_pointer_out_of_range(void **state)
{
	uint8_t cfg[256];
	struct nic_pcie_info in;

	(void)state;
	memcpy(cfg, connectx2_cfg, sizeof(cfg));
	cfg[0x49] = 0x10; /* into the header */
	assert_int_equal(nic_pcie_parse(cfg, sizeof(cfg), &in), -EBADMSG);
	/* a PCIe capability whose registers would run past 0xff */
	memcpy(cfg, connectx2_cfg, sizeof(cfg));
	cfg[0x9d] = 0xf8;
	cfg[0x49] = 0xf8;
	cfg[0xf8] = 0x10;
	assert_int_equal(nic_pcie_parse(cfg, sizeof(cfg), &in), -EBADMSG);
	/* header pointer itself into the header */
	memcpy(cfg, connectx2_cfg, sizeof(cfg));
	cfg[0x34] = 0x04;
	assert_int_equal(nic_pcie_parse(cfg, sizeof(cfg), &in), -EBADMSG);
}

static void test_no_pcie_capability(void **state)
{
	uint8_t cfg[256];
	struct nic_pcie_info in;

	(void)state;
	memcpy(cfg, connectx2_cfg, sizeof(cfg));
	cfg[0x9d] = 0x00; /* MSI-X ends the list before the PCIe cap */
	assert_int_equal(nic_pcie_parse(cfg, sizeof(cfg), &in), -ENOENT);
	memcpy(cfg, connectx2_cfg, sizeof(cfg));
	cfg[0x06] = 0x00; /* no capability list at all */
	assert_int_equal(nic_pcie_parse(cfg, sizeof(cfg), &in), -ENOENT);
	/* an empty slot reads all ones */
	memset(cfg, 0xff, sizeof(cfg));
	assert_int_equal(nic_pcie_parse(cfg, sizeof(cfg), &in), -EINVAL);
}

/* Every byte value at every pointer of a mutated dump: never a crash, always a defined answer. */
static void test_fuzz_pointers(void **state)
{
	uint8_t cfg[256];
	struct nic_pcie_info in;
	static const size_t spots[] = { 0x34, 0x41, 0x49, 0x9d, 0x61 };

	(void)state;
	for (size_t s = 0; s < sizeof(spots) / sizeof(spots[0]); s++) {
		for (int v = 0; v < 256; v++) {
			for (size_t len = 64; len <= 256; len += 64) {
				int r;

				memcpy(cfg, connectx2_cfg, sizeof(cfg));
				cfg[spots[s]] = (uint8_t)v;
				r = nic_pcie_parse(cfg, len, &in);
				assert_true(r == 0 || r == -ENOENT || r == -ENODATA ||
					    r == -EBADMSG || r == -ELOOP);
				if (r == 0)
					assert_true(in.cap_offset >= 0x40 &&
						    in.cap_offset + 0x14 <= (int)len);
			}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_connectx2_dump),
		cmocka_unit_test(test_model_names),
		cmocka_unit_test(test_truncated_64_bytes),
		cmocka_unit_test(test_capability_loop),
		cmocka_unit_test(test_pointer_out_of_range),
		cmocka_unit_test(test_no_pcie_capability),
		cmocka_unit_test(test_fuzz_pointers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
