// The NEM's fixed vocabulary the pages share: its regions and AEMO's ten
// FCAS services, in AEMO's order.

export const REGIONS = ["NSW1", "QLD1", "SA1", "TAS1", "VIC1"];

export const SERVICES = ["RAISE1SEC", "RAISE6SEC", "RAISE60SEC", "RAISE5MIN", "RAISEREG",
  "LOWER1SEC", "LOWER6SEC", "LOWER60SEC", "LOWER5MIN", "LOWERREG"];
