/*
 * props.c - read the few device properties dmarscan needs (see props.h).
 */
#include "config.h"

#include "props.h"

#include <stdio.h>
#include <string.h>

#include "bytes.h"
#include "text.h"

#define FMTID_DEVICE "{83da6326-97a6-4088-9453-a1923f573b29}"
#define FMTID_PCI "{3ab22e31-8264-4b4e-9af5-a8d2d8e33e62}"
#define FMTID_LOCATION "{a45c254e-df1c-4efd-8020-67d146a850e0}"
#define FMTID_BIOS "{540b947e-8b40-45bc-a8a2-6a0b894cbda2}"

/* DEVPROP_TYPE_* as stored: 0xFFFF0000 | type. */
#define DEVPROP(t) (0xFFFF0000u | (t))
enum {
	DEVPROP_UINT32 = 0x07, DEVPROP_FILETIME = 0x10, DEVPROP_BOOLEAN = 0x11,
	DEVPROP_STRING = 0x12, DEVPROP_STRING_LIST = 0x2012
};

typedef enum prop_id {
	P_LAST_KNOWN_PARENT, P_DMA_POLICY, P_INSTALL, P_FIRST_INSTALL,
	P_LAST_ARRIVAL, P_LAST_REMOVAL, P_PCI_TYPE, P_DVSEC_PORT_TYPE,
	P_HOST_ROUTER, P_TUNNELED, P_LOCATION_PATHS, P_BIOS_NAME
} prop_id;

static const struct prop_spec {
	const char *fmtid;
	unsigned pid;
	uint32_t type;
	prop_id id;
} PROPS[] = {
	{ FMTID_DEVICE, 10, DEVPROP_STRING, P_LAST_KNOWN_PARENT },
	{ FMTID_DEVICE, 18, DEVPROP_UINT32, P_DMA_POLICY },
	{ FMTID_DEVICE, 100, DEVPROP_FILETIME, P_INSTALL },
	{ FMTID_DEVICE, 101, DEVPROP_FILETIME, P_FIRST_INSTALL },
	{ FMTID_DEVICE, 102, DEVPROP_FILETIME, P_LAST_ARRIVAL },
	{ FMTID_DEVICE, 103, DEVPROP_FILETIME, P_LAST_REMOVAL },
	{ FMTID_PCI, 1, DEVPROP_UINT32, P_PCI_TYPE },
	{ FMTID_PCI, 41, DEVPROP_UINT32, P_DVSEC_PORT_TYPE },
	{ FMTID_PCI, 44, DEVPROP_STRING, P_HOST_ROUTER },
	{ FMTID_PCI, 47, DEVPROP_BOOLEAN, P_TUNNELED },
	{ FMTID_LOCATION, 37, DEVPROP_STRING_LIST, P_LOCATION_PATHS },
	{ FMTID_BIOS, 10, DEVPROP_STRING, P_BIOS_NAME },
};
#define N_PROPS (sizeof(PROPS) / sizeof(PROPS[0]))

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static int size_fits(uint32_t type, uint32_t size)
{
	switch (type) {
	case DEVPROP_UINT32: return size == 4;
	case DEVPROP_FILETIME: return size == 8;
	case DEVPROP_BOOLEAN: return size == 1;
	default: return 1;
	}
}

static void store(const struct prop_spec *p, const hive_value *v, dmar_arena *a,
                  dmar_device_properties *out, props_dates *dates)
{
	const uint8_t *d = v->data;
	switch (p->id) {
	case P_LAST_KNOWN_PARENT:
		out->last_known_parent = text_from_utf16le(a, d, v->size);
		break;
	case P_DMA_POLICY:
		out->has_persisted_policy = 1;
		out->persisted_policy = le32(d);
		break;
	case P_INSTALL: dates->install = le64(d); break;
	case P_FIRST_INSTALL: dates->first_install = le64(d); break;
	case P_LAST_ARRIVAL: dates->last_arrival = le64(d); break;
	case P_LAST_REMOVAL: dates->last_removal = le64(d); break;
	case P_PCI_TYPE:
		out->has_pci_device_type = 1;
		out->pci_device_type = le32(d);
		break;
	case P_DVSEC_PORT_TYPE:
		out->has_usb_dvsec_port_type = 1;
		out->usb_dvsec_port_type = le32(d);
		break;
	case P_HOST_ROUTER:
		out->usb4_host_router = text_from_utf16le(a, d, v->size);
		break;
	case P_TUNNELED:
		out->is_tunneled = d[0] != 0;
		break;
	case P_LOCATION_PATHS: {
		const char **paths = NULL;
		int n = text_multi_from_utf16le(a, d, v->size, &paths);
		if (n > 0) {
			out->location_paths = paths;
			out->n_location_paths = (size_t)n;
		}
		break;
	}
	case P_BIOS_NAME:
		out->bios_device_name = text_from_utf16le(a, d, v->size);
		break;
	}
}

int props_read(hkey *dev, dmar_arena *a, dmar_device_properties *out,
               props_dates *dates)
{
	memset(out, 0, sizeof(*out));
	memset(dates, 0, sizeof(*dates));
	out->is_tunneled = -1;
	hkey *props = NULL, *set = NULL;
	int r = hkey_open_child(dev, "Properties", &props);
	if (r <= 0)
		return r;
	int rc = 0;
	const char *open_fmtid = NULL;
	for (size_t i = 0; i < N_PROPS; i++) {
		const struct prop_spec *p = &PROPS[i];
		if (open_fmtid == NULL || strcmp(open_fmtid, p->fmtid) != 0) {
			/* specs are grouped by fmtid: open each set once */
			hkey_free(set);
			set = NULL;
			open_fmtid = p->fmtid;
			if (hkey_open_child(props, p->fmtid, &set) < 0)
				rc = -1;
		}
		if (set == NULL)
			continue;
		char pid[8];
		snprintf(pid, sizeof(pid), "%04X", p->pid);
		hkey *k = NULL;
		hive_value v;
		r = hkey_open_child(set, pid, &k);
		if (r > 0 && (r = hkey_get_value(k, a, "", &v)) > 0 &&
		    v.type == DEVPROP(p->type) && v.data != NULL &&
		    size_fits(p->type, v.size))
			store(p, &v, a, out, dates);
		if (r < 0)
			rc = -1;
		hkey_free(k);
	}
	hkey_free(set);
	hkey_free(props);
	return rc;
}
