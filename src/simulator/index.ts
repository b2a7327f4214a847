export { generateScenario, generateLongScenario, type Scenario, type ScenarioOptions, type LongKind, type LongScenario, type LongScenarioOptions } from './scenario.js';
export { FleetSimulator, type FleetOptions } from './fleet.js';
export { WellModel, randomNameplate, DRIFT_KINDS, type Drift, type DriftKind, type SimWell, type WellPhysics } from './model.js';
export { Rng } from './rng.js';
