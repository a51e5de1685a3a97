/** How the facade reports what it cannot raise (a best-effort flush that left data behind). */
export type WarningSink = (message: string) => void;

export const emitProcessWarning: WarningSink = (message) => {
  process.emitWarning(message, { type: "SyvainDeliveryWarning", code: "SYVAIN_DELIVERY_INCOMPLETE" });
};
