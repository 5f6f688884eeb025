/**
 * Deterministic sample workloads: pure models ({@link dev.simsnap.simulate.TradingArenaModel},
 * {@link dev.simsnap.simulate.PersonaEvolutionModel}) and runners that publish them through workers.
 */
package dev.simsnap.simulate;
