/*
 * pciid.h - PCI identities as Windows spells them in Enum\PCI.
 *
 * The hardware key under Enum\PCI is named after the device's most specific
 * hardware id, "VEN_8086&DEV_15EB&SUBSYS_00008086&REV_06", where SUBSYS is
 * the subsystem id followed by the subsystem vendor id.  The class code is
 * not a value of its own: it is spelled in the compatible ids, "PCI\CC_0C0340".
 */
#ifndef DMAR_PCIID_H
#define DMAR_PCIID_H

#include <stddef.h>

typedef struct pci_ident {
	char vendor_id[5];           /* upper-case hex, "" when absent */
	char device_id[5];
	char subsystem_id[5];
	char subsystem_vendor_id[5];
	char revision[3];
} pci_ident;

/* Parse a hardware key name or hardware id ("PCI\" prefix allowed).  Fields
 * that are absent or malformed stay "".  Returns 1 when at least VEN and DEV
 * were found. */
int pciid_parse(const char *name, pci_ident *out);

/* The most specific class code among ids: "PCI\CC_010802" beats
 * "PCI\CC_0108" (which gives "0108").  out must hold 7 bytes; "" if none. */
void pciid_class_code(const char *const *ids, size_t n, char out[7]);

/* Class code of a display controller (base class 03). */
int pciid_is_display_class(const char *class_code);

#endif /* DMAR_PCIID_H */
