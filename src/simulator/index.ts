export { generateScenario, type Scenario, type ScenarioOptions } from './scenario.js';
export { FleetSimulator, type FleetOptions } from './fleet.js';
export { WellModel, randomNameplate, type SimWell, type WellPhysics } from './model.js';
export { Rng } from './rng.js';
