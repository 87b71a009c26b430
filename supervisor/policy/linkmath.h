/* linkmath.h - pure link arithmetic: IB/RoCE and PCIe signalling vs data rate, the bottleneck. */
#ifndef H2BOX_LINKMATH_H
#define H2BOX_LINKMATH_H

/*
 * Why it works this way (the decisions docs/ARCHITECTURE.md points to).
 *
 * IB data rates follow the IBTA lane rates. SDR/DDR/QDR are 8b/10b (10/20/40 -> 8/16/32 Gb/s, as
 * in the article). FDR10 is 4 x 10.3125 Gb/s with 64b/66b, so 40 Gb/s of data (the kernel prints
 * "40 Gb/sec (4X FDR10)"); the article's 56 x 8/10 = 44.8 is not what the hardware does. FDR is 4
 * x 14.0625 with 64b/66b = 54.5 (article: 54.3); EDR and HDR are 100 and 200 Gb/s of data.
 */

#include <stdbool.h>
#include <stddef.h>

/*
 * Every figure is in Gb/s (1e9 bit/s).  "signal" is what travels on the
 * wire, "data" what is left for packets after the line code.  Nothing
 * here does I/O: callers feed IBTA codes (ibv_query_port) and PCIe
 * register fields (nic_pcie) and get numbers and an explanation back.
 */
enum linkmath_enc {
	LINKMATH_ENC_UNKNOWN,
	LINKMATH_ENC_8B10B,    /* SDR, DDR, QDR, PCIe 1.x/2.x */
	LINKMATH_ENC_64B66B,   /* FDR10, FDR, EDR, Ethernet >= 10G */
	LINKMATH_ENC_PAM4_FEC, /* HDR, NDR, 50G-per-lane Ethernet: 64b/66b (256b/257b) + RS-FEC */
	LINKMATH_ENC_128B130B, /* PCIe 3.0 - 5.0 */
	LINKMATH_ENC_FLIT,     /* PCIe 6.0 FLIT mode */
};

const char *linkmath_enc_name(enum linkmath_enc enc);
/* Data bits per line bit (0.8 for 8b/10b); 0 for unknown. */
double linkmath_enc_efficiency(enum linkmath_enc enc);

enum linkmath_layer {
	LINKMATH_LAYER_IB = 1, /* values of ibv_port_attr.link_layer */
	LINKMATH_LAYER_ETH = 2,
};

struct linkmath_rate {
	int lanes;		/* 1, 2, 4, 8, 12 */
	const char *speed_name; /* "QDR", "FDR10", ...; for Ethernet "10GbE" style */
	enum linkmath_enc enc;
	double nominal_gbps; /* the figure sysfs `rate` and the marketing use: 40 for 4X QDR */
	double signal_gbps;  /* line rate of all lanes */
	double data_gbps;    /* after the line code (and FEC) */
};

/* IBTA active_width code (1, 2, 4, 8, 16) -> lanes, 0 if unknown. */
int linkmath_ib_width_lanes(int width_code);
/*
 * Rate of an IB port from its IBTA width and speed codes (link_layer IB),
 * or of a RoCE port (link_layer Ethernet) whose driver maps the Ethernet
 * speed onto the same codes.  0 or -EINVAL for unknown codes.
 */
int linkmath_port_rate(enum linkmath_layer layer, int width_code, int speed_code,
		       struct linkmath_rate *out);

/* ---- PCI Express ---- */

/* LnkCap/LnkSta speed field (1 = 2.5 GT/s ... 6 = 64 GT/s) -> GT/s, 0 if unknown. */
double linkmath_pcie_gts(int speed_code);
int linkmath_pcie_generation(int speed_code); /* 1..6, 0 if unknown */
enum linkmath_enc linkmath_pcie_encoding(int speed_code);
/* Data rate after the line code for `lanes` lanes at `speed_code`; 0 if unknown. */
double linkmath_pcie_data_gbps(int speed_code, int lanes);
/*
 * Share of the data rate left for payload when every TLP carries at most
 * mps bytes: mps / (mps + 24), the 24 being the usual 3-4 DW header, the
 * sequence number, LCRC and framing of a memory write TLP.  DLLP traffic
 * (ACKs, flow control) costs a few percent more and is not counted.
 * 0 when mps is not a valid Max_Payload_Size (128..4096, power of 2).
 */
#define LINKMATH_TLP_OVERHEAD_BYTES 24
double linkmath_pcie_tlp_efficiency(int mps);

/* ---- the verdict ---- */

struct linkmath_pcie_link {
	int cap_speed, cap_width; /* LnkCap: what the device can do */
	int sta_speed, sta_width; /* LnkSta: what it trained at */
	int mps;		  /* DevCtl Max_Payload_Size in bytes, 0 = unknown */
};

enum linkmath_bottleneck {
	LINKMATH_BN_UNKNOWN,
	LINKMATH_BN_NETWORK, /* the IB/Ethernet port */
	LINKMATH_BN_PCIE,    /* the host bus */
};
const char *linkmath_bottleneck_name(enum linkmath_bottleneck bn);

struct linkmath_verdict {
	double net_data_gbps;	    /* NAN when the port rate is unknown */
	double pcie_cap_data_gbps;  /* data rate the card could get at LnkCap; NAN unknown */
	double pcie_data_gbps;	    /* data rate at LnkSta; NAN unknown */
	double pcie_tlp_efficiency; /* NAN when MPS unknown */
	double pcie_payload_gbps;   /* pcie_data * tlp efficiency (or pcie_data when MPS unknown) */
	enum linkmath_bottleneck bottleneck;
	double ceiling_gbps;  /* expected ceiling of one direction; NAN unknown */
	bool pcie_narrow;     /* trained width below capability */
	bool pcie_slow;	      /* trained speed below capability */
	bool narrow_expected; /* ... and the profile says this board is like that */
	bool warn;	      /* a degraded link that nobody declared as expected */
	char explain[640];    /* human explanation, one or more sentences */
};

/*
 * Combine the port rate (NULL when unknown) and the card's PCIe link (NULL
 * for a soft device such as rxe, or when config space was unreadable).
 * narrow_expected: the profile declares the slot narrower than the card
 * (the ODROID-H2's M.2 x4 for an x8 card).
 */
void linkmath_assess(const struct linkmath_rate *net, const struct linkmath_pcie_link *pcie,
		     bool narrow_expected, struct linkmath_verdict *out);

#endif
