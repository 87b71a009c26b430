/* linkmath.c - IB/RoCE/PCIe rate arithmetic and the "which link caps us" verdict; no I/O. */
#include "supervisor/policy/linkmath.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *linkmath_enc_name(enum linkmath_enc enc)
{
	switch (enc) {
	case LINKMATH_ENC_8B10B:
		return "8b/10b";
	case LINKMATH_ENC_64B66B:
		return "64b/66b";
	case LINKMATH_ENC_PAM4_FEC:
		return "64b/66b+RS-FEC";
	case LINKMATH_ENC_128B130B:
		return "128b/130b";
	case LINKMATH_ENC_FLIT:
		return "FLIT";
	case LINKMATH_ENC_UNKNOWN:
		break;
	}
	return "unknown";
}

double linkmath_enc_efficiency(enum linkmath_enc enc)
{
	switch (enc) {
	case LINKMATH_ENC_8B10B:
		return 8.0 / 10.0;
	case LINKMATH_ENC_64B66B:
		return 64.0 / 66.0;
	case LINKMATH_ENC_PAM4_FEC:
		/* 50 Gb/s of data per 53.125 Gb/s lane (transcoding + RS(544,514) FEC) */
		return 50.0 / 53.125;
	case LINKMATH_ENC_128B130B:
		return 128.0 / 130.0;
	case LINKMATH_ENC_FLIT:
		/* 236 TLP bytes in a 256-byte flit (DLP, CRC and FEC take the rest) */
		return 236.0 / 256.0;
	case LINKMATH_ENC_UNKNOWN:
		break;
	}
	return 0.0;
}

int linkmath_ib_width_lanes(int width_code)
{
	switch (width_code) {
	case 1:
		return 1;
	case 2:
		return 4;
	case 4:
		return 8;
	case 8:
		return 12;
	case 16:
		return 2;
	default:
		return 0;
	}
}

/*
 * Per-lane figures.  nominal is what the kernel's sysfs `rate` multiplies
 * by the width; signal is the true line rate.  FDR10 is Mellanox's 10GbE
 * lane (10.3125 Gbaud) with 64b/66b: 40 Gb/s of data on 4X, as sysfs says
 * ("40 Gb/sec (4X FDR10)").  From EDR on, the nominal figure already is the
 * data rate; only SDR-QDR lose a fifth of the nominal rate to 8b/10b.
 */
struct ib_speed_row {
	int code;
	const char *name;
	double nominal, signal;
	enum linkmath_enc enc;
};

static const struct ib_speed_row ib_speeds[] = {
	{ 1, "SDR", 2.5, 2.5, LINKMATH_ENC_8B10B },
	{ 2, "DDR", 5.0, 5.0, LINKMATH_ENC_8B10B },
	{ 4, "QDR", 10.0, 10.0, LINKMATH_ENC_8B10B },
	{ 8, "FDR10", 10.0, 10.3125, LINKMATH_ENC_64B66B },
	{ 16, "FDR", 14.0, 14.0625, LINKMATH_ENC_64B66B },
	{ 32, "EDR", 25.0, 25.78125, LINKMATH_ENC_64B66B },
	{ 64, "HDR", 50.0, 53.125, LINKMATH_ENC_PAM4_FEC },
	{ 128, "NDR", 100.0, 106.25, LINKMATH_ENC_PAM4_FEC },
};

static const struct ib_speed_row *ib_speed_lookup(int code)
{
	for (size_t i = 0; i < sizeof(ib_speeds) / sizeof(ib_speeds[0]); i++)
		if (ib_speeds[i].code == code)
			return &ib_speeds[i];
	return NULL;
}

/* Names for the Ethernet speed buckets of the kernel's ib_get_eth_speed(). */
static const char *eth_speed_name(double gbps)
{
	static const struct {
		double gbps;
		const char *name;
	} names[] = {
		{ 1, "1GbE" },	   { 2.5, "2.5GbE" }, { 5, "5GbE" },	 { 10, "10GbE" },
		{ 20, "20GbE" },   { 25, "25GbE" },   { 40, "40GbE" },	 { 50, "50GbE" },
		{ 56, "56GbE" },   { 100, "100GbE" }, { 200, "200GbE" }, { 400, "400GbE" },
		{ 800, "800GbE" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (fabs(names[i].gbps - gbps) < 0.01)
			return names[i].name;
	return "Ethernet";
}

int linkmath_port_rate(enum linkmath_layer layer, int width_code, int speed_code,
		       struct linkmath_rate *out)
{
	const struct ib_speed_row *row = ib_speed_lookup(speed_code);
	int lanes = linkmath_ib_width_lanes(width_code);

	memset(out, 0, sizeof(*out));
	if (!row || !lanes)
		return -EINVAL;
	out->lanes = lanes;
	out->nominal_gbps = row->nominal * lanes;
	if (layer == LINKMATH_LAYER_ETH) {
		/*
		 * RoCE: the driver folds the netdev speed into IB codes; the
		 * bucket's nominal figure is the Ethernet data rate, except
		 * that 1X SDR stands for "1 Gb/s or less (or unknown)".
		 */
		double gbps = (lanes == 1 && speed_code == 1) ? 1.0 : out->nominal_gbps;

		out->nominal_gbps = gbps;
		out->data_gbps = gbps;
		out->enc = gbps >= 10.0 ? LINKMATH_ENC_64B66B : LINKMATH_ENC_8B10B;
		out->signal_gbps = gbps / linkmath_enc_efficiency(out->enc);
		out->speed_name = eth_speed_name(gbps);
		return 0;
	}
	if (layer != LINKMATH_LAYER_IB)
		return -EINVAL;
	out->speed_name = row->name;
	out->enc = row->enc;
	out->signal_gbps = row->signal * lanes;
	out->data_gbps = out->signal_gbps * linkmath_enc_efficiency(row->enc);
	return 0;
}

/* ---- PCI Express ---- */

double linkmath_pcie_gts(int speed_code)
{
	static const double gts[] = { 0, 2.5, 5.0, 8.0, 16.0, 32.0, 64.0 };

	if (speed_code < 1 || speed_code > 6)
		return 0.0;
	return gts[speed_code];
}

int linkmath_pcie_generation(int speed_code)
{
	return (speed_code >= 1 && speed_code <= 6) ? speed_code : 0;
}

enum linkmath_enc linkmath_pcie_encoding(int speed_code)
{
	if (speed_code == 1 || speed_code == 2)
		return LINKMATH_ENC_8B10B;
	if (speed_code >= 3 && speed_code <= 5)
		return LINKMATH_ENC_128B130B;
	if (speed_code == 6)
		return LINKMATH_ENC_FLIT;
	return LINKMATH_ENC_UNKNOWN;
}

double linkmath_pcie_data_gbps(int speed_code, int lanes)
{
	/* PCIe 6.0 signals PAM4: 64 GT/s carry 64 Gb/s per lane before the flit overhead */
	if (lanes <= 0 || lanes > 32)
		return 0.0;
	return linkmath_pcie_gts(speed_code) * lanes *
	       linkmath_enc_efficiency(linkmath_pcie_encoding(speed_code));
}

double linkmath_pcie_tlp_efficiency(int mps)
{
	if (mps < 128 || mps > 4096 || (mps & (mps - 1)))
		return 0.0;
	return (double)mps / (double)(mps + LINKMATH_TLP_OVERHEAD_BYTES);
}

/* ---- the verdict ---- */

const char *linkmath_bottleneck_name(enum linkmath_bottleneck bn)
{
	switch (bn) {
	case LINKMATH_BN_NETWORK:
		return "network";
	case LINKMATH_BN_PCIE:
		return "pcie";
	case LINKMATH_BN_UNKNOWN:
		break;
	}
	return "unknown";
}

static void explain_add(struct linkmath_verdict *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void explain_add(struct linkmath_verdict *v, const char *fmt, ...)
{
	size_t used = strlen(v->explain);
	va_list ap;

	if (used + 1 >= sizeof(v->explain))
		return;
	va_start(ap, fmt);
	vsnprintf(v->explain + used, sizeof(v->explain) - used, fmt, ap);
	va_end(ap);
}

void linkmath_assess(const struct linkmath_rate *net, const struct linkmath_pcie_link *pcie,
		     bool narrow_expected, struct linkmath_verdict *out)
{
	bool have_net = net && net->data_gbps > 0.0;
	bool have_pcie = false;

	memset(out, 0, sizeof(*out));
	out->net_data_gbps = have_net ? net->data_gbps : NAN;
	out->pcie_cap_data_gbps = NAN;
	out->pcie_data_gbps = NAN;
	out->pcie_tlp_efficiency = NAN;
	out->pcie_payload_gbps = NAN;
	out->ceiling_gbps = NAN;
	out->narrow_expected = narrow_expected;

	if (have_net)
		explain_add(out, "%s: %g Gb/s signalling x %s = %.1f Gb/s of data. ",
			    net->speed_name, net->signal_gbps, linkmath_enc_name(net->enc),
			    net->data_gbps);
	/* rate tables (the article's among them) list FDR10 as 56 Gb/s with 8b/10b */
	if (have_net && net->speed_name && strcmp(net->speed_name, "FDR10") == 0)
		explain_add(out, "(Not 56 x 8/10 = 44.8 as some rate tables have it: FDR10 runs"
				 " 10.3125 Gb/s lanes with 64b/66b, the kernel's \"40 Gb/sec\".) ");

	if (pcie) {
		double cap = linkmath_pcie_data_gbps(pcie->cap_speed, pcie->cap_width);
		double sta = linkmath_pcie_data_gbps(pcie->sta_speed, pcie->sta_width);
		double tlp = linkmath_pcie_tlp_efficiency(pcie->mps);

		if (cap > 0.0)
			out->pcie_cap_data_gbps = cap;
		if (sta > 0.0) {
			have_pcie = true;
			out->pcie_data_gbps = sta;
			out->pcie_payload_gbps = sta;
			explain_add(out, "PCIe %g GT/s x%d x %s = %.1f Gb/s of data",
				    linkmath_pcie_gts(pcie->sta_speed), pcie->sta_width,
				    linkmath_enc_name(linkmath_pcie_encoding(pcie->sta_speed)),
				    sta);
			if (tlp > 0.0) {
				out->pcie_tlp_efficiency = tlp;
				out->pcie_payload_gbps = sta * tlp;
				explain_add(out,
					    ", %.1f Gb/s after TLP headers at %d-byte payloads",
					    out->pcie_payload_gbps, pcie->mps);
			}
			explain_add(out, ". ");
		}
		if (cap > 0.0 && sta > 0.0) {
			out->pcie_narrow = pcie->sta_width < pcie->cap_width;
			out->pcie_slow = pcie->sta_speed < pcie->cap_speed;
		}
		if (out->pcie_narrow)
			explain_add(out, "The card can do x%d but trained at x%d%s. ",
				    pcie->cap_width, pcie->sta_width,
				    narrow_expected ? ", as expected for this board (its slot has"
						      " fewer lanes than the card)"
						    : ": check the slot, riser or adapter");
		if (out->pcie_slow)
			explain_add(out,
				    "The card can do %g GT/s but trained at %g GT/s: check the"
				    " slot generation and BIOS link-speed settings. ",
				    linkmath_pcie_gts(pcie->cap_speed),
				    linkmath_pcie_gts(pcie->sta_speed));
		out->warn = out->pcie_slow || (out->pcie_narrow && !narrow_expected);
	}

	if (have_net && have_pcie) {
		if (out->pcie_payload_gbps < out->net_data_gbps) {
			out->bottleneck = LINKMATH_BN_PCIE;
			out->ceiling_gbps = out->pcie_payload_gbps;
			explain_add(out,
				    "PCIe, not the network, caps each direction at about"
				    " %.1f Gb/s.",
				    out->ceiling_gbps);
		} else {
			out->bottleneck = LINKMATH_BN_NETWORK;
			out->ceiling_gbps = out->net_data_gbps;
			explain_add(out, "The network port caps each direction at %.1f Gb/s.",
				    out->ceiling_gbps);
		}
	} else if (have_net) {
		out->bottleneck = LINKMATH_BN_NETWORK;
		out->ceiling_gbps = out->net_data_gbps;
		explain_add(out,
			    "No PCIe link known (soft device or unreadable config space):"
			    " the port caps each direction at %.1f Gb/s.",
			    out->ceiling_gbps);
	} else if (have_pcie) {
		out->bottleneck = LINKMATH_BN_PCIE;
		out->ceiling_gbps = out->pcie_payload_gbps;
		explain_add(out, "Port rate unknown: PCIe alone caps each direction at %.1f Gb/s.",
			    out->ceiling_gbps);
	}
}
