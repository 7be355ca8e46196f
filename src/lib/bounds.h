/*
 * bounds.h - every bound on the work one hive can cause, in one place.
 *
 * A hive from a compromised machine is attacker-controlled: lists of a
 * million keys, cells shared by thousands of keys, parent chains that loop,
 * values of hundreds of megabytes.  Each walk below stops at its bound,
 * reads nothing more of that kind and says so: the report lists the limits
 * reached (JSON "limits_reached") and raises HIVE-LIMIT, so a partial
 * report is never mistaken for a whole one.  Real SYSTEM hives stay one or
 * two orders of magnitude under every bound.
 */
#ifndef DMAR_BOUNDS_H
#define DMAR_BOUNDS_H

#include <dmarscan.h>
#include <stdint.h>

/* ---- The whole hive ------------------------------------------------------- */
#define HIVE_MAX_FILE_SIZE DMAR_HIVE_MAX_SIZE   /* 32-bit offsets */
#define HIVE_MAX_KEYS_READ 4000000u     /* key cells opened, all walks together */
#define HIVE_MAX_VALUES_READ 16000000u  /* values read, all walks together */
#define HIVE_VALUE_MAX_LOAD (1024u * 1024u)  /* data of one value loaded */
#define MAX_SUBKEYS_PER_KEY 1048576u    /* subkeys of one key (guard.c) */
#define NAME_UNITS_MAX 16384            /* UTF-16 units of a key or value name */
#define MAX_CONTROL_SETS 999            /* ControlSet001..999 */

/* ---- Transaction logs ------------------------------------------------------ */
#define LOG_MAX_SIZE DMAR_LOG_MAX_SIZE  /* a larger log is not read */
#define HBINS_MAX 0xFFFFF000u           /* the replayed image's hive bins */

/* ---- One control set ------------------------------------------------------ */
#define MAX_DEVICES 65536               /* Enum\PCI instances */
#define MAX_SERVICES 262144             /* Services subkeys looked at */
#define MAX_ALLOWED_BUSES 1024          /* DmaSecurity\AllowedBuses values */

/* ---- Device tree (topology.c) -------------------------------------------- */
#define MAX_DEPTH 64                    /* parent links followed from a device */
#define MAX_EXTRA_NODES 4096            /* ancestors read outside Enum\PCI */
#define MAX_PREFIX_SCAN 65536           /* instance keys read for ParentIdPrefix */
#define MAX_ID_LENGTH 400               /* characters of a plausible instance id */

/* ---- Driver packages (packages.c) ------------------------------------------ */
#define MAX_INFS 65536                  /* DriverInfFiles entries */
#define MAX_CONFIGURATIONS 262144       /* package configurations */
#define MAX_KEYS_PER_LIST 65536         /* subkeys read from one list */

/* ---- Device history (history.c) ------------------------------------------- */
#define MAX_INSTANCES 262144            /* Enum\PCI instances in all sets */

/* ---- Key security (acl.c) -------------------------------------------------- */
#define MAX_SD_SIZE 65536               /* bytes of one security descriptor */
#define MAX_ACES 8192                   /* ACEs of one DACL: all a 64 KiB
                                           descriptor can hold */
#define MAX_PRINCIPALS 64               /* distinct SIDs per key; more and
                                           the key is reported undecided */

#endif /* DMAR_BOUNDS_H */
